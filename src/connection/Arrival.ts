/**
 * The early stages of every connection, in Infrarust's order (reference §2.4): PROXY header
 * (when `receive_proxy_protocol`), the global `[ip_filter]` and IP bans, the first packet (a
 * handshake or a pre-1.7 ping) under `[limits] first_packet_timeout`, and the route of the host it
 * asks for. Their result is the connection's one context (session/ConnectionContext.ts), or
 * nothing when the connection already ended here (refused, or only a PROXY health check).
 */
import { Effect } from "effect"
import type { Endpoint } from "../address/Endpoint.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { handshakeCompleted } from "../observability/ConnectionReport.ts"
import { traced, tracingAndNow } from "../observability/Tracing.ts"
import { NO_PROTOCOL } from "../session/ConnectionContext.ts"
import { Router } from "../routing/Router.ts"
import { admitConnection, plainlyAdmitted } from "../security/Admission.ts"
import { BanList } from "../security/BanList.ts"
import { isRefusal } from "../security/Refusal.ts"
import { refuseConnection } from "../security/Refuse.ts"
import type { Inbound } from "../socket/Inbound.ts"
import { readFirstPacket } from "./HandshakeStage.ts"
import { receiveProxyHeader } from "./ProxyHeaderStage.ts"
import { annotateFiberLogs } from "../observability/FiberLogs.ts"

const routeHost = (host: string) =>
  Effect.flatMap(Router, (router) => router.resolve(host)).pipe(
    Effect.tap(({ host, route }) =>
      Effect.annotateCurrentSpan({ "server.address": host, ...(route === undefined ? {} : { "proxy.route": route.entry.id }) })
    ),
    traced("proxy.route")
  )

export const arrive = Effect.fnUntraced(function*(
  inbound: Inbound,
  peer: Endpoint,
  local: Endpoint,
  config: ProxyConfig,
  /** Told the client's address once a PROXY header named it (the pending bound per address). */
  identify?: (client: string) => void
) {
  const socket = inbound.socket
  let client = peer
  if (config.receiveProxyProtocol) {
    const resolved = yield* receiveProxyHeader(inbound, peer, config)
    if (isRefusal(resolved)) return yield* Effect.as(refuseConnection(socket, resolved), undefined)
    client = resolved
    identify?.(client.address)
    if (client.address !== peer.address) yield* annotateFiberLogs({ client: client.address, via: peer.address })
  }
  const { now, tracing } = yield* tracingAndNow
  if (tracing) {
    yield* Effect.annotateCurrentSpan({
      "client.address": client.address,
      "client.port": client.port,
      "network.peer.address": peer.address,
      "network.peer.port": peer.port,
      "network.transport": "tcp"
    })
  }
  // Global [ip_filter] and IP bans: nothing more is read from a refused address. The plain
  // lookups first (the same tables); the full step, which counts and logs, when they refuse or
  // this thread's ban list cannot tell.
  const bans = yield* BanList
  if (!plainlyAdmitted(bans, config.ipFilter, client.address, now)) {
    const admitted = yield* admitConnection(client.address)
    if (admitted !== undefined) return yield* Effect.as(refuseConnection(socket, admitted), undefined)
  }

  const first = yield* readFirstPacket(inbound, config.limits.firstPacketTimeout, config.receiveProxyProtocol)
  yield* handshakeCompleted
  if (first._tag === "LegacyPing") {
    // Beta and 1.4 pings name no host: they are unknown domains.
    const host = first.request._tag === "V1_6" ? first.request.host : undefined
    const route = host === undefined ? undefined : (yield* routeHost(host)).route
    return { peer, client, local, opening: first, host: host ?? "", route, protocolVersion: NO_PROTOCOL, config }
  }
  if (first._tag !== "Handshake") return undefined
  const handshake = first.handshake
  const { host, route } = tracing ? yield* routeHost(handshake.serverAddress) : (yield* Router).resolveNow(handshake.serverAddress)
  if (tracing) {
    yield* Effect.annotateCurrentSpan({
      "mc.protocol_version": handshake.protocolVersion,
      "server.port": handshake.serverPort,
      "server.address": host,
      ...(route === undefined ? {} : { "proxy.route": route.entry.id, "proxy.mode": route.entry.value.config.proxyMode })
    })
  }
  if (route !== undefined) yield* annotateFiberLogs({ server: route.entry.id })
  return { peer, client, local, opening: first, host, route, protocolVersion: handshake.protocolVersion, config }
})
