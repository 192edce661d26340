/**
 * Everything the early stages learn about one connection, in one immutable record that every
 * later stage reads: who is on the other end (the TCP peer, and the client it speaks for when a
 * PROXY header said so), which local address they reached, what they opened with (a handshake
 * and its raw bytes, or a pre-1.7 ping), the host they asked for as routed, the route, their
 * protocol version, and the configuration snapshot the connection started with.
 *
 * Invariant: the record is built once, after routing, and never changes. A hot reload affects
 * new connections only (gate's snapshot rule); a session that later moves to another server keeps
 * the context it arrived with and tracks where it is in its own state (Session.ts).
 */
import type { Endpoint } from "../address/Endpoint.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import type { DecodedHandshake } from "../protocol/Handshake.ts"
import type { LegacyPingRequest } from "../protocol/LegacyPing.ts"
import type { Route } from "../routing/Router.ts"

/** A modern handshake, with the frame as the client sent it (forwarded verbatim when allowed). */
export interface HandshakeOpening {
  readonly _tag: "Handshake"
  readonly handshake: DecodedHandshake
  readonly raw: Uint8Array
}

/** A pre-Netty server-list ping (Beta 1.8, 1.4/1.5, 1.6). */
export interface LegacyPingOpening {
  readonly _tag: "LegacyPing"
  readonly request: LegacyPingRequest
  readonly raw: Uint8Array
}

export type Opening = HandshakeOpening | LegacyPingOpening

/** Legacy pings carry no modern protocol number. */
export const NO_PROTOCOL = -1

export interface ConnectionContext<O extends Opening = Opening> {
  /** The TCP peer (a load balancer when PROXY protocol is in use). */
  readonly peer: Endpoint
  /** The player's address: the PROXY header's source, else the peer. */
  readonly client: Endpoint
  /** The address of this proxy the connection reached. */
  readonly local: Endpoint
  readonly opening: O
  /** The requested host, normalised as routing saw it ("" for host-less legacy pings). */
  readonly host: string
  /** The server the host routes to; undefined for an unknown domain. */
  readonly route: Route | undefined
  /** The handshake's protocol version, {@link NO_PROTOCOL} for legacy pings. */
  readonly protocolVersion: number
  /** The configuration as it was when the connection arrived. */
  readonly config: ProxyConfig
}

/** A login or status connection, whose handshake the later stages read. */
export type HandshakeContext = ConnectionContext<HandshakeOpening>
