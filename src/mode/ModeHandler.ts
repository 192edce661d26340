/**
 * The seam between the connection pipeline and the proxy modes: once a login is routed, admitted
 * and its login start read, the handler of the route's mode family runs the rest of it.
 *
 * - forwarding (passthrough, zero_copy, server_only, full): the proxy connects a backend, replays
 *   what the client sent and relays raw bytes (ForwardingMode.ts);
 * - intercepted (client_only, offline): the proxy speaks the protocol itself.
 *
 * The handler is chosen once, from the route's `proxy_mode` (ProxyModes.ts); nothing downstream
 * asks for the mode again.
 */
import type { Effect, Scope } from "effect"
import type * as Net from "node:net"
import type { ProxyMode } from "../config/ServerConfig.ts"
import type { DecodedLoginStart } from "../protocol/LoginStart.ts"
import type { HandshakeContext } from "../session/ConnectionContext.ts"
import type { ProtocolError } from "../protocol/ProtocolError.ts"
import type { ClientClosed, Inbound, StageTimeout } from "../socket/Inbound.ts"
import type { LegClosed } from "./intercepted/PacketLeg.ts"

/** How a client can end a login on its own: hanging up, sending garbage, or stalling. */
export type ClientFailure = ProtocolError | ClientClosed | StageTimeout | LegClosed

export type ModeFamily = "forwarding" | "intercepted"

/** The client side of the connection: its socket and the bytes read from it but not yet consumed. */
export interface ClientLink {
  readonly socket: Net.Socket
  readonly inbound: Inbound
}

/** The login start as decoded, and its frame as the client sent it (replayed verbatim where allowed). */
export interface LoginStartRead {
  readonly loginStart: DecodedLoginStart
  readonly raw: Uint8Array
}

/** `R`: the services a mode's login reads, besides the connection's Scope (ProxyModes.ts names them). */
export interface ModeHandler<R = never> {
  readonly family: ModeFamily
  /**
   * Runs the login from here to the end of the session. Expected endings (refusals, kicks,
   * backend trouble) are handled and logged inside; the errors left are the client's own
   * (closed, bad data, too slow), which the connection logs.
   */
  readonly login: (ctx: HandshakeContext, client: ClientLink, start: LoginStartRead) => Effect.Effect<void, ClientFailure, Scope.Scope | R>
}

export const familyOf = (mode: ProxyMode): ModeFamily =>
  mode === "client_only" || mode === "offline" ? "intercepted" : "forwarding"
