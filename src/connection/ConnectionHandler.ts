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
import { Cause, Context, Effect, Layer, LogLevel, Option, Scope, SubscriptionRef } from "effect"
import type * as Net from "node:net"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { handshakeCompleted, observeConnection, settleOutcome } from "../observability/ConnectionReport.ts"
import { NextState } from "../protocol/Handshake.ts"
import { normalizeRemoteAddress } from "../address/IpAddress.ts"
import { Router } from "../routing/Router.ts"
import { admitConnection, admitRate, admitToServer, countRejection } from "../security/Admission.ts"
import type { BanList } from "../security/BanList.ts"
import type { IpFilter } from "../security/IpFilter.ts"
import type { RateLimiter } from "../security/RateLimiter.ts"
import { LogThrottle } from "../observability/LogThrottle.ts"
import { traced } from "../observability/Tracing.ts"
import { Sessions } from "../session/Sessions.ts"
import { applyKeepalive, keepaliveSettings } from "../socket/TcpKeepalive.ts"
import { StatusService } from "../status/StatusService.ts"
import type { Endpoint } from "../backend/BackendHandshake.ts"
import { LEGACY_LOGIN_FIELD, UNEXPECTED_PROXY_HEADER_FIELD } from "./FirstPacket.ts"
import { readFirstPacket } from "./HandshakeStage.ts"
import { makeInbound } from "../socket/Inbound.ts"
import { sendAndClose } from "../socket/Kick.ts"
import { prepareLogin, runSession, type SessionPlan } from "./LoginStage.ts"
import { isRefusal } from "../security/Refusal.ts"
import { receiveProxyHeader } from "./ProxyHeaderStage.ts"
import { refuseConnection, throttledLevel } from "../security/Refuse.ts"
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
      // Without the layer's own Scope: provided to a connection, it would take over the
      // connection's scope, and everything the connection registers (its session, backend
      // sockets) would only be released when the proxy stops.
      const services = Context.omit(Scope.Scope)(yield* Effect.context<ServicesOfLogin>())
      /** Connections still in their handshake, oldest first (a Map keeps insertion order). */
      const pending = new Map<number, Net.Socket>()
      let nextPendingId = 0
      const throttle = yield* LogThrottle

      const connection = Effect.fnUntraced(function*(socket: Net.Socket) {
        // Finalizers here outlive the stages (they run when the session ends): registered on the
        // scope directly, they keep no copy of the fiber's context alive for hours.
        const scope = yield* Scope.Scope
        yield* Scope.addFinalizer(scope, Effect.sync(() => socket.destroy()))
        // Stages attach their own listeners; this one only keeps a reset from being unhandled.
        socket.on("error", () => {})
        const config = yield* SubscriptionRef.get(store.config)
        const peer = endpointOf(socket.remoteAddress, socket.remotePort)
        const local = endpointOf(socket.localAddress, socket.localPort)
        yield* Effect.annotateLogsScoped({ client: peer.address })

        // Bound the connections the proxy is still waiting on (slowloris floods): in their PROXY
        // header, handshake or status exchange, or before their login start. At the cap the
        // oldest is closed to make room: idle half-open connections cannot lock real players
        // out, since a real client sends its handshake and login start within a round trip.
        const maxPending = config.limits.maxPendingHandshakes
        if (maxPending > 0 && pending.size >= maxPending) {
          const oldest = pending.entries().next()
          if (oldest.done !== true) {
            const [oldestId, oldestSocket] = oldest.value
            pending.delete(oldestId)
            oldestSocket.destroy()
            yield* countRejection("pending_limit")
            yield* logAt("Debug", `${maxPending} connections in their handshake: closed the oldest (${oldestSocket.remoteAddress ?? "?"})`)
          }
        }
        const pendingId = nextPendingId++
        pending.set(pendingId, socket)
        const leavePending = Effect.sync(() => {
          pending.delete(pendingId)
        })
        yield* Scope.addFinalizer(scope, leavePending)

        const inbound = makeInbound(socket)
        let client = peer
        if (config.receiveProxyProtocol) {
          const resolved = yield* receiveProxyHeader(inbound, peer, config)
          if (isRefusal(resolved)) return yield* refuseConnection(socket, resolved)
          client = resolved
          if (client.address !== peer.address) yield* Effect.annotateLogsScoped({ client: client.address, via: peer.address })
        }
        yield* Effect.annotateCurrentSpan({
          "client.address": client.address,
          "client.port": client.port,
          "network.peer.address": peer.address,
          "network.peer.port": peer.port,
          "network.transport": "tcp"
        })
        // Global [ip_filter] and IP bans: nothing more is read from a refused address.
        const admitted = yield* admitConnection(client.address)
        if (admitted !== undefined) return yield* refuseConnection(socket, admitted)

        const first = yield* readFirstPacket(inbound, config.limits.handshakeTimeout)
        yield* handshakeCompleted

        if (first._tag === "LegacyPing") {
          yield* settleOutcome("legacy_ping")
          // Pre-1.7 pings take from the status bucket too: a legacy ping flood must not reach
          // the backends either (Infrarust does not limit them).
          const limited = yield* admitRate("status", client.address)
          const host = first.request._tag === "V1_6" ? first.request.host : undefined
          const route = host === undefined ? undefined : (yield* router.resolve(host)).route
          const what = `legacy ${first.request._tag} ping${host === undefined ? "" : ` for '${shorten(host)}'`}`
          // Beta and 1.4 pings name no host: they are unknown domains too.
          if (route === undefined && config.unknownDomainBehavior === "drop") return yield* logAt("Debug", `${what}: unknown domain, dropped`)
          const legacy = { request: first.request, route, client, local }
          if (limited !== undefined) {
            // Rate limited: answer only from the status cache or the MOTD config, else close.
            const cheap = yield* status.respondLegacyWithoutBackend(legacy)
            yield* logAt(limited.level, `legacy ${limited.reason}: ${Option.isSome(cheap) ? "answered without the backend" : "closed"}`)
            return Option.isSome(cheap) ? yield* sendAndClose(socket, cheap.value) : undefined
          }
          const reply = yield* status.respondLegacy(legacy)
          yield* logAt("Debug", `${what} answered`)
          return yield* sendAndClose(socket, reply)
        }
        if (first._tag !== "Handshake") return

        const handshake = first.handshake
        yield* Effect.annotateCurrentSpan({ "mc.protocol_version": handshake.protocolVersion, "server.port": handshake.serverPort })
        const { host: routedHost, route } = yield* router.resolve(handshake.serverAddress).pipe(
          Effect.tap(({ host, route }) =>
            Effect.annotateCurrentSpan({ "server.address": host, ...(route === undefined ? {} : { "proxy.route": route.entry.id }) })
          ),
          traced("proxy.route")
        )
        yield* Effect.annotateCurrentSpan("server.address", routedHost)
        const isStatus = handshake.nextState === NextState.Status
        const limited = yield* admitRate(isStatus ? "status" : "login", client.address)
        if (limited !== undefined && !isStatus) return yield* refuseConnection(socket, limited)

        if (route === undefined) {
          yield* settleOutcome("unknown_domain")
          const host = shorten(routedHost)
          if (config.unknownDomainBehavior === "drop") {
            return yield* logAt("Debug", `unknown domain '${host}': dropped`)
          }
          if (!isStatus) {
            return yield* refuseConnection(socket, {
              _tag: "Refusal",
              level: "Info",
              reason: `login for unknown domain '${host}' refused`,
              kick: `Unknown server: ${host}`
            })
          }
        } else {
          yield* Effect.annotateLogsScoped({ server: route.entry.id })
          yield* Effect.annotateCurrentSpan({ "proxy.route": route.entry.id, "proxy.mode": route.entry.value.config.proxyMode })
          const filtered = yield* admitToServer(route.entry.value, client.address, isStatus)
          if (filtered !== undefined) return yield* refuseConnection(socket, filtered)
        }

        if (isStatus) {
          const request = { route, handshake, rawHandshake: first.raw, client, local }
          if (limited === undefined) {
            yield* settleOutcome("status")
            return yield* serveStatus(socket, inbound, request, status)
          }
          // Rate limited: answer only if that costs no backend work (cache, proxy MOTD), else close.
          const cheap = yield* status.respondWithoutBackend(request)
          yield* settleOutcome(Option.isSome(cheap) ? "status" : "refused")
          yield* logAt(limited.level, `${limited.reason}: ${Option.isSome(cheap) ? "answered without the backend" : "closed"}`)
          if (Option.isNone(cheap)) return
          return yield* serveStatus(socket, inbound, request, status, cheap.value)
        }
        const server = route!.entry.value
        if (server.config.proxyMode === "client_only") {
          // Relaying raw bytes here would let anyone join an offline-mode backend unauthenticated.
          return yield* refuseConnection(socket, {
            _tag: "Refusal",
            level: "Error",
            reason: `server '${server.id}' uses proxy_mode = "client_only", which infrarust-ts does not implement yet; login refused`,
            kick: "This server needs proxy-side authentication, which this proxy does not support yet."
          })
        }
        // Keepalive matters for sessions that last; status pings and refusals are over in a moment.
        const keepalive = keepaliveSettings(config.keepalive)
        applyKeepalive(socket, keepalive)
        const login = { socket, inbound, client, local, server, handshake, rawHandshake: first.raw, config, keepalive, onLoginStart: leavePending }
        return yield* prepareLogin(login)
      })

      // The parts of the pipeline that do not depend on the socket, built once.
      // Every branch but a login ends the connection itself (status answered, refusal, kick).
      const runPlan = (plan: SessionPlan | void) => (plan ? runSession(plan) : Effect.void)
      const inSpan = traced("proxy.connection", { kind: "server" })
      const withServices = Effect.provide(services)
      // Expected failures were logged inside the span; only defects are left to say.
      const reportDefects = Effect.matchCauseEffect({
        onSuccess: () => Effect.void,
        onFailure: (cause: Cause.Cause<unknown>) =>
          Cause.hasFails(cause) || Cause.hasInterruptsOnly(cause)
            ? Effect.void
            : Effect.logError("connection failed unexpectedly", cause)
      })

      /**
       * The stages above run to completion before a session is relayed: while a player plays
       * for hours, the fiber holds only the relay and these few frames (memory per idle
       * session is what a proxy with 10,000 players pays for).
       */
      const handle = (socket: Net.Socket) =>
        connection(socket).pipe(
          Effect.flatMap(runPlan),
          observeConnection((error: Described) =>
            Effect.flatMap(throttledLevel(throttle, levelOf(error), socket.remoteAddress, error._tag), (level) => logAt(level, describe(error)))),
          inSpan,
          withServices,
          reportDefects,
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
  | BanList
  | IpFilter
  | RateLimiter
  | LogThrottle

interface Described {
  readonly _tag: string
  readonly message: string
  readonly field?: string
}

/** Expected disconnects are Debug; configuration mistakes and backend trouble are Warn. */
const levelOf = (error: Described): LogLevel.Severity => {
  if (error._tag === "ProtocolError" && error.field === UNEXPECTED_PROXY_HEADER_FIELD) return "Warn"
  // Debug, not Info: one random first byte of 0x02 looks like a pre-1.7 login, so a garbage
  // flood would otherwise write an Info line per 256 connections.
  if (error._tag === "ProtocolError" && error.field === LEGACY_LOGIN_FIELD) return "Debug"
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
    default:
      return `closed: ${error.message}`
  }
}
