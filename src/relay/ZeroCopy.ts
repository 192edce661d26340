/**
 * The `zero_copy` relay as an Effect: the same contract as `Relay.ts` (completes with the byte
 * counts and why the session ended; interruption cancels it and the connection scope closes the
 * sockets), but the bytes move through kernel pipes with splice(2) on the addon's own thread.
 *
 * Where the addon cannot run (not Linux, or its build failed during `npm install`) the service
 * warns once and every zero_copy session uses the userspace relay instead.
 */
import { Context, Effect, Layer, Ref } from "effect"
import type * as Net from "node:net"
import type { BackendLink } from "../socket/BackendLink.ts"
import { relay, type RelayEndReason, type RelayOptions, type RelayOutcome } from "./Relay.ts"
import { type SpliceResult, startSplice } from "./splice/Splice.ts"
import { SpliceStartError } from "../native/SpliceStartError.ts"

const outcomeOf = (r: SpliceResult): RelayOutcome => {
  const reason: RelayEndReason = r.reason === "client_closed" || r.reason === "backend_closed"
    ? r.reason
    : r.reason === "idle_timeout"
    ? "read_timeout"
    : r.errorSide === "backend"
    ? "backend_error"
    : "client_error"
  return { c2b: r.c2b, b2c: r.b2c, reason }
}

const splice = (client: Net.Socket, link: BackendLink, options: RelayOptions) =>
  Effect.callback<RelayOutcome | SpliceStartError>((resume) => {
    // The header already sent is not part of the session's bytes; splice counts from hand-off.
    const before = { c2b: link.socket.bytesWritten - link.headerBytes, b2c: client.bytesWritten }
    const started = startSplice(client, link.socket, { idleTimeoutMs: options.readTimeoutMs }, (result) =>
      resume(Effect.succeed(outcomeOf({ ...result, c2b: before.c2b + result.c2b, b2c: before.b2c + result.b2c }))))
    if (started instanceof SpliceStartError) return resume(Effect.succeed(started))
    options.meter.source = {
      bytes: () => {
        const now = started.bytes()
        return { c2b: before.c2b + now.c2b, b2c: before.b2c + now.b2c }
      }
    }
    return Effect.sync(started.cancel)
  })

export class ZeroCopy extends Context.Service<ZeroCopy, {
  readonly relay: (client: Net.Socket, link: BackendLink, options: RelayOptions) => Effect.Effect<RelayOutcome>
}>()("infrarust/relay/ZeroCopy") {
  static readonly layer = Layer.effect(
    ZeroCopy,
    Effect.gen(function*() {
      const warned = yield* Ref.make(false)
      return ZeroCopy.of({
        relay: (client, link, options) =>
          Effect.gen(function*() {
            const spliced = yield* splice(client, link, options)
            if (!(spliced instanceof SpliceStartError)) return spliced
            if (spliced.reason === "Unavailable") {
              if (!(yield* Ref.getAndSet(warned, true))) {
                yield* Effect.logWarning(`zero_copy is not available (${spliced.detail}); using the userspace relay instead`)
              }
            } else {
              yield* Effect.logWarning(`zero_copy could not start for this session (${spliced.detail}); using the userspace relay`)
            }
            return yield* relay(client, link, options)
          })
      })
    })
  )
}
