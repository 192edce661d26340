/**
 * One accepted connection, top to bottom, as one scoped fiber:
 *
 *   PROXY header → handshake → route → status | login
 *
 * Each stage is its own traced function (`proxy.<stage>`); this file only sequences them and
 * turns their outcomes into the right log line. Everything the connection opens (the client
 * socket, backend sockets, the session entry) belongs to the fiber's Scope, so shutdown,
 * timeouts and kicks are plain interruption and nothing leaks.
 */
import { Context, Effect, Layer, LogLevel, SubscriptionRef } from "effect"
import type * as Net from "node:net"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { NextState } from "../protocol/Handshake.ts"
import { normalizeRemoteAddress } from "../proxy-protocol/IpAddress.ts"
import { Router } from "../routing/Router.ts"
import { Sessions } from "../services/Sessions.ts"
import { applyKeepalive, keepaliveSettings } from "../socket/TcpKeepalive.ts"
import { StatusService } from "../status/StatusService.ts"
import type { Endpoint } from "../backend/BackendHandshake.ts"
import { relayLegacyPing, syntheticLegacyReply } from "../status/LegacyStatus.ts"
import { LEGACY_LOGIN_FIELD, UNEXPECTED_PROXY_HEADER_FIELD } from "./FirstPacket.ts"
import { readFirstPacket } from "./HandshakeStage.ts"
import { makeInbound } from "./Inbound.ts"
import { kick, sendAndClose } from "./Kick.ts"
import { serveLogin } from "./LoginStage.ts"
import { isRefusal, type Refusal } from "./Outcome.ts"
import { receiveProxyHeader } from "./ProxyHeaderStage.ts"
import { serveStatus } from "./StatusStage.ts"

const endpointOf = (address: string | undefined, port: number | undefined): Endpoint => ({
  address: normalizeRemoteAddress(address ?? "0.0.0.0"),
  port: port ?? 0
})

/** Hosts come from the client: keep log lines and kick texts bounded. */
const shorten = (host: string): string => (host.length > 64 ? `${host.slice(0, 64)}…` : host)

const logAt = (level: LogLevel.Severity, message: string) => Effect.logWithLevel(level)(message)

export class ConnectionHandler extends Context.Service<ConnectionHandler, {
  readonly handle: (socket: Net.Socket) => Effect.Effect<void>
}>()("infrarust/connection/ConnectionHandler") {
  static readonly layer = Layer.effect(
    ConnectionHandler,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const router = yield* Router
      const status = yield* StatusService
      const sessions = yield* Sessions
      const services = yield* Effect.context<ServicesOfLogin>()
      let pendingHandshakes = 0

      const refused = (socket: Net.Socket, refusal: Refusal) =>
        Effect.gen(function*() {
          yield* logAt(refusal.level, refusal.reason)
          if (refusal.kick !== undefined) yield* kick(socket, refusal.kick)
        })

      const connection = Effect.fn("proxy.connection")(function*(socket: Net.Socket) {
        yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
        // Stages attach their own listeners; this one only keeps a reset from being unhandled.
        socket.on("error", () => {})
        const config = yield* SubscriptionRef.get(store.config)
        applyKeepalive(socket, keepaliveSettings(config.keepalive))
        const peer = endpointOf(socket.remoteAddress, socket.remotePort)
        const local = endpointOf(socket.localAddress, socket.localPort)
        yield* Effect.annotateLogsScoped({ client: peer.address })

        // Bound the connections that have not finished their handshake (slowloris floods).
        const maxPending = config.limits.maxPendingHandshakes
        if (maxPending > 0 && pendingHandshakes >= maxPending) {
          return yield* logAt("Debug", `refused: ${pendingHandshakes} connections are already in their handshake`)
        }
        pendingHandshakes++
        let handshaking = true
        const handshakeDone = Effect.sync(() => {
          if (handshaking) (handshaking = false, pendingHandshakes--)
        })
        yield* Effect.addFinalizer(() => handshakeDone)

        const inbound = makeInbound(socket)
        let client = peer
        if (config.receiveProxyProtocol) {
          const resolved = yield* receiveProxyHeader(inbound, peer, config)
          if (isRefusal(resolved)) return yield* refused(socket, resolved)
          client = resolved
          if (client.address !== peer.address) yield* Effect.annotateLogsScoped({ client: client.address, via: peer.address })
        }
        yield* Effect.annotateCurrentSpan({ "client.address": client.address, "network.peer.address": peer.address })

        const first = yield* readFirstPacket(inbound, config.limits.handshakeTimeout)
        yield* handshakeDone

        if (first._tag === "LegacyPing") {
          const host = first.request._tag === "V1_6" ? first.request.host : undefined
          const route = host === undefined ? undefined : (yield* router.resolve(host)).route
          const server = route?.entry.value
          const relayed = server === undefined ? undefined : yield* relayLegacyPing(server, first.raw, config)
          const reply = relayed ?? syntheticLegacyReply(
            first.request,
            server,
            config,
            server === undefined ? sessions.total() : sessions.countForServer(server.id),
            server === undefined ? "online" : "unreachable"
          )
          yield* logAt("Debug", `legacy ${first.request._tag} ping${host === undefined ? "" : ` for ${host}`} answered`)
          return yield* sendAndClose(socket, reply)
        }
        if (first._tag !== "Handshake") return

        const handshake = first.handshake
        yield* Effect.annotateCurrentSpan({ "mc.protocol_version": handshake.protocolVersion })
        const { host: routedHost, route } = yield* router.resolve(handshake.serverAddress)
        const isStatus = handshake.nextState === NextState.Status

        if (route === undefined) {
          const host = shorten(routedHost)
          if (config.unknownDomainBehavior === "drop") {
            return yield* logAt("Debug", `unknown domain '${host}': dropped`)
          }
          if (!isStatus) {
            return yield* refused(socket, {
              _tag: "Refusal",
              level: "Info",
              reason: `login for unknown domain '${host}' refused`,
              kick: `Unknown server: ${host}`
            })
          }
        } else {
          yield* Effect.annotateLogsScoped({ server: route.entry.id })
          yield* Effect.annotateCurrentSpan({ "proxy.route": route.entry.id, "proxy.mode": route.entry.value.config.proxyMode })
        }

        if (isStatus) {
          return yield* serveStatus(socket, inbound, { route, handshake, rawHandshake: first.raw, client, local }, status)
        }
        const server = route!.entry.value
        if (server.config.proxyMode === "client_only") {
          // Relaying raw bytes here would let anyone join an offline-mode backend unauthenticated.
          return yield* refused(socket, {
            _tag: "Refusal",
            level: "Error",
            reason: `server '${server.id}' uses proxy_mode = "client_only", which infrarust-ts does not implement yet; login refused`,
            kick: "This server needs proxy-side authentication, which this proxy does not support yet."
          })
        }
        return yield* serveLogin({ socket, inbound, client, local, server, handshake, rawHandshake: first.raw, config }).pipe(
          Effect.provide(services)
        )
      })

      const handle = (socket: Net.Socket) =>
        connection(socket).pipe(
          Effect.catch((error) => logAt(levelOf(error), describe(error))),
          Effect.catchCause((cause) => Effect.logError("connection failed unexpectedly", cause)),
          Effect.scoped
        )
      return ConnectionHandler.of({ handle })
    })
  )
}

type ServicesOfLogin =
  | import("../backend/Balancer.ts").Balancer
  | import("../relay/IdleWatch.ts").IdleWatch
  | import("../relay/ZeroCopy.ts").ZeroCopy
  | Sessions

interface Described {
  readonly _tag: string
  readonly message: string
  readonly field?: string
}

/** Expected disconnects are Debug; configuration mistakes and backend trouble are Warn. */
const levelOf = (error: Described): LogLevel.Severity => {
  if (error._tag === "ProtocolError" && error.field === UNEXPECTED_PROXY_HEADER_FIELD) return "Warn"
  if (error._tag === "ProtocolError" && error.field === LEGACY_LOGIN_FIELD) return "Info"
  if (error._tag === "BackendConnectError") return "Warn"
  return "Debug"
}

const describe = (error: Described): string => {
  switch (error._tag) {
    case "ProtocolError":
      return error.field === UNEXPECTED_PROXY_HEADER_FIELD
        ? `PROXY protocol mismatch: ${error.message} (set receive_proxy_protocol = true if a load balancer sends it)`
        : `closed: bad data from the client (${error.message})`
    case "ClientClosed":
      return error.message
    case "StageTimeout":
      return `closed: ${error.message}`
    default:
      return `closed: ${error.message}`
  }
}
