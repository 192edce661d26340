/**
 * What a server manager needs from whatever runs the backend: start it, stop it, and say how it
 * is doing. One implementation per `[server_manager] type`: a local child process
 * (LocalProvider.ts), a Pterodactyl panel (PterodactylProvider.ts), Crafty Controller
 * (CraftyProvider.ts) or a Docker container (DockerProvider.ts).
 *
 * Providers only report; they never decide. The state machine (ServerStateMachine.ts) turns
 * reports into states, so the rules for "crashed", "timed out" or "idle" live in one place.
 * Every call is bounded in time by the provider itself, so a hung panel can never wedge a
 * server's monitor.
 */
import { Schema } from "effect"
import type { Effect } from "effect"

/** What the provider sees, before any interpretation. */
export type ProviderState =
  /** Up and accepting players (a local process printed its ready line; a panel says running). */
  | "running"
  /** Launched, not ready yet. */
  | "starting"
  /** Asked to stop, not gone yet. */
  | "stopping"
  /** Not running (never started, or stopped on request). */
  | "stopped"
  /** Gone without being asked to (a local process that exited by itself). */
  | "crashed"
  /** The provider answered with something it cannot map (a panel state it does not know). */
  | "unknown"

export interface ProviderReport {
  readonly state: ProviderState
  /** For admins and logs (an exit code, the panel's raw state); never shown to players. */
  readonly detail?: string | undefined
}

export const ProviderErrorReason = Schema.Literals([
  /** The panel refused the API key (401/403). */
  "Unauthorized",
  /** The panel answered with another non-2xx status. */
  "HttpStatus",
  /** No answer within the provider's time limit. */
  "Timeout",
  /** The request could not be sent or the answer not read (connection refused, reset, DNS). */
  "Transport",
  /** A 2xx answer whose body is not the JSON the API documents. */
  "InvalidResponse",
  /** A local process could not be started (command not found, working_dir missing, ...). */
  "Spawn",
  /** The provider's own settings cannot work (a Docker endpoint that cannot be parsed). */
  "Misconfigured"
])
export type ProviderErrorReason = typeof ProviderErrorReason.Type

/**
 * A failed provider call. The detail never contains an API key: messages are built from the
 * method, the path and the status code only.
 */
export class ProviderError extends Schema.TaggedError<ProviderError>()("ProviderError", {
  server: Schema.String,
  provider: Schema.String,
  operation: Schema.Literals(["start", "stop", "status"]),
  reason: ProviderErrorReason,
  detail: Schema.String
}) {
  override get message(): string {
    return `server '${this.server}': ${this.provider} ${this.operation} failed (${this.reason}): ${this.detail}`
  }
}

export type ProviderKind = "local" | "pterodactyl" | "crafty" | "docker"

export interface ServerProvider {
  readonly kind: ProviderKind
  /** Asks for the server to start; returns once the request is accepted (not once it is ready). */
  readonly start: Effect.Effect<void, ProviderError>
  /**
   * Asks for the server to stop. A local process is gone when this returns; a panel has only
   * accepted the request (the state machine waits for a `stopped` report).
   */
  readonly stop: Effect.Effect<void, ProviderError>
  readonly status: Effect.Effect<ProviderReport, ProviderError>
}
