/**
 * The forwarding family (passthrough, zero_copy, server_only, full): the proxy connects a backend,
 * replays what the client sent and relays raw bytes without looking at them.
 *
 * 1. The session opens, connecting to the routed server, against its `max_players`.
 * 2. ServerPreConnect: a listener may deny the login (the player reads the reason) or send it to
 *    another server (ConnectTo, which Infrarust ignores here). The other server must be of this
 *    family too: relaying raw bytes to a server that expects the proxy to authenticate players
 *    would let anyone in unauthenticated.
 * 3. The Balancer's candidates are dialled in order with the per-attempt connect timeout, in the
 *    session's backend leg; when none answers, the player sees `disconnect_message`.
 * 4. The backend receives the PROXY v2 header first (`send_proxy_protocol`), then the handshake
 *    (rewritten per `domain_rewrite`), the login start and any bytes the client sent after it.
 * 5. ServerConnected; then the relay, whose bytes never touch Effect (relay/Relay.ts, or the splice
 *    relay for zero_copy); the session-end line is logged with client, player, server, byte counts,
 *    duration and reason.
 */
import { Clock, Effect, Exit, Option, Scope } from "effect"
import { Balancer } from "../backend/Balancer.ts"
import { dial, NoBackendReachable } from "../backend/BackendDialer.ts"
import { backendHandshake, proxyHeaderFor } from "../backend/BackendHandshake.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { connectTimeoutOf, relayTimeoutsOf } from "../config/ServerConfig.ts"
import { Events } from "../event/EventBus.ts"
import { ALLOWED, type PreConnectResult } from "../event/ProxyEvent.ts"
import { sessionEnded, settleOutcome, timeBackendConnect } from "../observability/ConnectionReport.ts"
import { SessionMeters } from "../observability/SessionMeters.ts"
import { traced } from "../observability/Tracing.ts"
import { IdleWatch } from "../relay/IdleWatch.ts"
import { Router } from "../routing/Router.ts"
import { makeMeter, relay, type RelayEndReason, type RelayOptions, type RelayOutcome } from "../relay/Relay.ts"
import { ZeroCopy } from "../relay/ZeroCopy.ts"
import { admitToServer, serverFull } from "../security/Admission.ts"
import { refuse, type Refusal } from "../security/Refusal.ts"
import { refuseConnection } from "../security/Refuse.ts"
import type { HandshakeContext } from "../session/ConnectionContext.ts"
import type { BackendLink } from "../socket/BackendLink.ts"
import { takePending } from "../socket/Inbound.ts"
import { kick } from "../socket/Kick.ts"
import { keepaliveSettings } from "../socket/TcpKeepalive.ts"
import { type LiveSession, openSession } from "./LiveSession.ts"
import { type ClientLink, familyOf, type LoginStartRead } from "./ModeHandler.ts"

/**
 * Dials the Balancer's candidates in order; the first that connects wins. The Balancer reports
 * each attempt (health, metrics, the warning line) and counts the link against its backend.
 */
const connectBackend = Effect.fnUntraced(function*(ctx: HandshakeContext, server: LoadedServer) {
  const balancer = yield* Balancer
  const connectTimeout = connectTimeoutOf(server.config, ctx.config.connectTimeout)
  const preamble = server.config.sendProxyProtocol ? proxyHeaderFor(ctx.client, ctx.local) : undefined
  const keepalive = keepaliveSettings(ctx.config.keepalive)
  return yield* balancer.connect(server, (target) =>
    dial({ host: target.host, port: target.port, address: target.text, connectTimeout, keepalive, preamble }).pipe(
      timeBackendConnect(server.id)
    ))
}, (connected, _ctx, server) =>
  // Inside the span: a login that finds no backend marks it failed.
  Effect.flatMap(connected, (link) =>
    Option.isSome(link)
      ? Effect.as(Effect.annotateCurrentSpan("proxy.backend", link.value.address), link.value)
      : Effect.fail(new NoBackendReachable({ server: server.id }))), traced("proxy.backend_connect", { kind: "client" }))

/** ServerPreConnect's answer for a forwarding login: the server to connect to, or a refusal. */
const preConnect = Effect.fnUntraced(function*(session: LiveSession, server: LoadedServer, ctx: HandshakeContext) {
  const events = yield* Events
  if (!events.wants("ServerPreConnect")) return server
  const result: PreConnectResult = yield* events.fire(
    { _tag: "ServerPreConnect", player: session.player, server: server.id, previous: undefined },
    ALLOWED
  )
  switch (result._tag) {
    case "Allowed":
      return server
    case "Denied":
      return refuse("Info", `login denied by a plugin (ServerPreConnect): ${result.reason}`, result.reason)
    case "SendToLimbo":
      return refuse("Warn", `a plugin sent ${session.player.name} to limbo, which '${server.id}' (proxy_mode ${server.config.proxyMode}) cannot offer; login refused`, "This server cannot hold players in limbo.")
    case "ConnectTo":
      return yield* redirect(session, server, result.server, ctx)
  }
})

/** ConnectTo another server: it must exist, be of the forwarding family, admit the client and have room. */
const redirect = Effect.fnUntraced(function*(session: LiveSession, from: LoadedServer, to: string, ctx: HandshakeContext) {
  const target = yield* (yield* Router).server(to)
  if (target === undefined) {
    return refuse("Warn", `a plugin sent ${session.player.name} to server '${to}', which does not exist; login refused`, `Server '${to}' does not exist.`)
  }
  if (familyOf(target.config.proxyMode) !== "forwarding") {
    return refuse(
      "Warn",
      `a plugin sent ${session.player.name} from '${from.id}' to '${to}', whose proxy_mode ${target.config.proxyMode} needs the proxy to authenticate players; a raw relay cannot, login refused`,
      `Cannot connect to '${to}' from here.`
    )
  }
  const filtered = yield* admitToServer(target, ctx.client.address, false)
  if (filtered !== undefined) return filtered
  if (!(yield* session.transition({ _tag: "Connecting", server: target.id }, target.config.maxPlayers))) return yield* serverFull(target)
  yield* Effect.logInfo(`a plugin sent ${session.player.name} to '${target.id}' instead of '${from.id}'`)
  return target
})

const isRefusal = (u: LoadedServer | Refusal): u is Refusal => "_tag" in u && u._tag === "Refusal"

/** The session-end log line, span attributes and metrics, whatever ended the relay. */
const endSession = (server: LoadedServer, startedAt: number, options: RelayOptions, exit: Exit.Exit<RelayOutcome>) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const reason: RelayEndReason | "shutdown" = Exit.isSuccess(exit) ? exit.value.reason : "shutdown"
    const { b2c, c2b } = Exit.isSuccess(exit) ? exit.value : options.meter.bytes()
    yield* Effect.logInfo(`session ended c2b=${c2b} b2c=${b2c} duration=${((now - startedAt) / 1000).toFixed(1)}s reason=${reason}`)
    yield* Effect.annotateCurrentSpan({
      "proxy.bytes_c2b": c2b,
      "proxy.bytes_b2c": b2c,
      "proxy.end_reason": reason,
      ...(/_(error|timeout)$/.test(reason) ? { "error.type": reason } : {})
    })
    yield* sessionEnded(server.id, { c2b, b2c, endReason: reason }, (now - startedAt) / 1000)
  })

/** The relay phase: one span for the whole session; the bytes themselves never touch Effect. */
const relaySession = (client: ClientLink, backend: BackendLink, server: LoadedServer, startedAt: number, options: RelayOptions) =>
  Effect.flatMap(ZeroCopy, (zeroCopy): Effect.Effect<RelayOutcome> =>
    (server.config.proxyMode === "zero_copy"
      ? zeroCopy.relay(client.socket, backend, options)
      : relay(client.socket, backend, options)).pipe(
        Effect.onExit((exit) => endSession(server, startedAt, options, exit)),
        traced("proxy.relay", { attributes: { "proxy.mode": server.config.proxyMode, "proxy.backend": backend.address } })
      ))

/** Session, ServerPreConnect, backend connect and replay: the backend and server to relay with, or undefined when the player was refused. */
const prepare = Effect.fnUntraced(function*(ctx: HandshakeContext, client: ClientLink, start: LoginStartRead) {
  const routed = ctx.route!.entry.value
  const { loginStart, raw } = start
  const opened = yield* openSession({
    client: ctx.client.address,
    player: loginStart.name,
    uuid: loginStart.uuid,
    identity: "claimed",
    protocolVersion: ctx.protocolVersion,
    mode: routed.config.proxyMode
  }, { _tag: "Connecting", server: routed.id }, routed.config.maxPlayers)
  if (Option.isNone(opened)) return yield* Effect.as(refuseConnection(client.socket, yield* serverFull(routed)), undefined)
  const session = opened.value

  const chosen = yield* preConnect(session, routed, ctx)
  if (isRefusal(chosen)) return yield* Effect.as(refuseConnection(client.socket, chosen), undefined)
  const server = chosen

  const leg = yield* session.openLeg
  const link = yield* connectBackend(ctx, server).pipe(Scope.provide(leg), Effect.option)
  if (Option.isNone(link)) {
    yield* settleOutcome("no_backend")
    yield* Effect.logWarning(`no backend of '${server.id}' is reachable; disconnecting ${loginStart.name}`)
    return yield* Effect.as(kick(client.socket, server.config.disconnectMessage), undefined)
  }
  const backend = link.value
  yield* session.transition({ _tag: "Playing", server: server.id, backend: backend.address }, 0)
  yield* session.joined
  const events = yield* Events
  yield* events.notify({ _tag: "ServerConnected", player: session.player, server: server.id, backend: backend.address })

  backend.socket.write(backendHandshake(server.config, ctx.opening.handshake, ctx.opening.raw))
  backend.socket.write(raw)
  const rest = takePending(client.inbound)
  if (rest.length > 0) backend.socket.write(rest)
  yield* Effect.logInfo(`session started backend=${backend.address} mode=${server.config.proxyMode}`)
  return { backend, server, startedAt: session.info.startedAt }
}, traced("proxy.login"))

const login = Effect.fnUntraced(function*(ctx: HandshakeContext, client: ClientLink, start: LoginStartRead) {
  const prepared = yield* prepare(ctx, client, start)
  if (prepared === undefined) return
  const { backend, server, startedAt } = prepared
  const meter = makeMeter()
  yield* settleOutcome("relayed")
  // Bytes reach `infrarust.bytes.relayed` while the session runs, read from the meter.
  const meters = yield* Effect.serviceOption(SessionMeters)
  if (Option.isSome(meters)) yield* meters.value.track(server.id, meter)
  const options: RelayOptions = { ...relayTimeoutsOf(server.config), idleWatch: yield* IdleWatch, meter }
  yield* relaySession(client, backend, server, startedAt, options)
})

export const ForwardingMode = {
  family: "forwarding",
  login
} as const

export type ForwardingServices = Effect.Services<ReturnType<typeof login>>
