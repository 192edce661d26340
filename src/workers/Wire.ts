/**
 * What crosses the thread boundary, converted both ways.
 *
 * Configs: decoded values hold class instances (`Duration`) that structured clone would strip
 * to plain objects, so they travel in their Schema-encoded form and are decoded on the other
 * side with the same schemas (the round trip gives back an equal value; test/workers checks it
 * on every documented example). Routes travel as the server id; errors as tag and fields.
 */
import { Schema } from "effect"
import { BackendConnectError } from "../backend/BackendDialer.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { ListenError } from "../connection/Listener.ts"
import { ProxyConfig } from "../config/ProxyConfig.ts"
import { ServerConfig } from "../config/ServerConfig.ts"
import type { Route } from "../routing/Router.ts"
import type { RoutingTable } from "../routing/RoutingTable.ts"
import { BanInputError } from "../security/BanList.ts"
import { BanStoreError } from "../security/BanStore.ts"
import type { ErrorCodecs } from "./Link.ts"
import type { ConnectionContext, Opening } from "../session/ConnectionContext.ts"
import type { WireContext, WireRoute, WireServer } from "./Ops.ts"

const encodeProxy = Schema.encodeSync(ProxyConfig)
const decodeProxy = Schema.decodeUnknownSync(ProxyConfig)
const encodeServer = Schema.encodeSync(ServerConfig)
const decodeServer = Schema.decodeUnknownSync(ServerConfig)

export const encodeConfig = (config: ProxyConfig): unknown => encodeProxy(config)
export const decodeConfig = (wire: unknown): ProxyConfig => decodeProxy(wire)

export const encodeServers = (servers: ReadonlyArray<LoadedServer>): ReadonlyArray<WireServer> =>
  servers.map((s) => ({ id: s.id, file: s.file, path: s.path, config: encodeServer(s.config) }))

export const decodeServers = (wire: ReadonlyArray<WireServer>): ReadonlyArray<LoadedServer> =>
  wire.map((s) => ({ id: s.id, file: s.file, path: s.path, config: decodeServer(s.config) }))

export const encodeRoute = (route: Route | undefined): WireRoute | undefined =>
  route === undefined ? undefined : { id: route.entry.id, kind: route.kind, pattern: route.pattern, host: route.host }

/** A connection's context for the coordinator (Ops.ts WireContext). */
export const encodeContext = <O extends Opening>(ctx: ConnectionContext<O>): WireContext<O> => {
  const { config: _config, route, ...rest } = ctx
  return { ...rest, route: encodeRoute(route) }
}

/** The coordinator's view of a worker's context: its own route and config. */
export const decodeContext = <O extends Opening>(
  table: RoutingTable<LoadedServer>,
  config: ProxyConfig,
  wire: WireContext<O>
): ConnectionContext<O> => ({ ...wire, route: decodeRoute(table, wire.route), config })

/** The coordinator's own route for a worker's: undefined when the server is gone meanwhile. */
export const decodeRoute = (
  table: RoutingTable<LoadedServer>,
  wire: WireRoute | undefined
): Route | undefined => {
  if (wire === undefined) return undefined
  const entry = table.byId.get(wire.id)
  return entry === undefined ? undefined : { entry, kind: wire.kind, pattern: wire.pattern, host: wire.host }
}

const fields = <A>(f: Record<string, unknown>): A => f as A

/** The typed failures that cross the link. */
export const errorCodecs: ErrorCodecs = {
  BackendConnectError: (f) => new BackendConnectError(fields(f)),
  /** A worker's start-up failure (its `fatal` report). */
  ListenError: (f) => new ListenError(fields(f)),
  BanInputError: (f) => new BanInputError(fields(f)),
  BanStoreError: (f) => new BanStoreError(fields(f))
}
