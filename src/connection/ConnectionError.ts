/**
 * Why a connection ended before (or instead of) a relay, and how loudly to say so.
 *
 * Expected disconnects — a client hanging up mid-handshake, garbage from a port scanner, a
 * slowloris timing out — are logged at debug: on a public port they happen constantly and
 * must not flood the log. Operator-relevant problems (a PROXY protocol mismatch, a backend
 * that cannot be reached) are warnings.
 */
import { Duration, Schema } from "effect"

export class StageTimeout extends Schema.TaggedError<StageTimeout>()("StageTimeout", {
  stage: Schema.String,
  after: Schema.Duration
}) {
  override get message(): string {
    return `no complete ${this.stage} within ${Duration.format(this.after)}`
  }
}

/**
 * Every backend of a server failed to connect. Recorded on the `proxy.backend_connect` span;
 * the login stage turns it into the player's `disconnect_message`.
 */
export class NoBackendReachable extends Schema.TaggedError<NoBackendReachable>()("NoBackendReachable", {
  server: Schema.String
}) {
  override get message(): string {
    return `no backend of '${this.server}' is reachable`
  }
}
