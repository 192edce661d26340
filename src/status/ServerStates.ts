/**
 * What the status plane may know about a server's lifecycle (the server-manager states a
 * later issue drives): sleeping, starting, crashed, stopping, offline or online.
 *
 * Invariant (the one scale-to-zero relies on): this view is read-only. The status plane has
 * no way to report activity, wake or start a server; a server whose state is known and not
 * `online` gets its state MOTD without any backend contact. Only logins count as activity
 * (the session registry, written by the login stage).
 *
 * A Context.Reference: until a server manager provides one, every state is unknown and the
 * status path asks the backend (through the cache).
 */
import { Context } from "effect"
import type { MotdState } from "../config/MotdConfig.ts"

export type ServerState = Exclude<MotdState, "unreachable">

export interface ServerStatesShape {
  /** The known state of a server, or undefined when nothing manages it. */
  readonly stateOf: (serverId: string) => ServerState | undefined
}

export const ServerStates = Context.Reference<ServerStatesShape>("infrarust/status/ServerStates", {
  defaultValue: () => ({ stateOf: () => undefined })
})
