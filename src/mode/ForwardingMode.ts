/**
 * The forwarding family (passthrough, zero_copy, server_only, full): the proxy connects a backend,
 * replays what the client sent and relays raw bytes without looking at them.
 *
 * 1. The session opens, connecting to the routed server, against its `max_players`.
 * 2. ServerPreConnect: a listener may deny the login (the player reads the reason) or send it to
 *    another server (ConnectTo, which Infrarust ignores here). The other server must be of this
 *    family too: relaying raw bytes to a server that expects the proxy to authenticate players
 *    would let anyone in unauthenticated.
 * 3. A managed server that sleeps is started first; the login waits for it (LoginWake.ts).
 * 4. The Balancer's candidates are dialled in order with the per-attempt connect timeout, in the
 *    session's scope (the connection's own: a forwarding session needs no leg); when none
 *    answers, the player sees `disconnect_message`.
 * 5. The backend receives the PROXY v2 header first (`send_proxy_protocol`), then the handshake
 *    (rewritten per `domain_rewrite`), the login start and any bytes the client sent after it.
 *    A backend that closes or stays silent (`[timeouts] first_byte`) before its first answer
 *    gets the player `disconnect_message` too (BackendAnswer.ts).
 * 6. ServerConnected; then the relay, whose bytes never touch Effect (relay/Relay.ts, or the splice
 *    relay for zero_copy); the session-end line is logged with client, player, server, byte counts,
 *    duration and reason.
 */
import { Clock, Effect, Exit, Option, References, Scope } from "effect"
import { offlineUuid } from "../auth/OfflineUuid.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { firstByteTimeoutOf, relayTimeoutsOf } from "../config/ServerConfig.ts"
import { Events } from "../event/EventBus.ts"
import { Forwarding } from "../forwarding/Forwarding.ts"
import { sessionEnded, settleOutcome } from "../observability/ConnectionReport.ts"
import { untrusted } from "../observability/LogText.ts"
import { SessionMeters } from "../observability/SessionMeters.ts"
import { logsAt } from "../observability/FiberLogs.ts"
import { traced } from "../observability/Tracing.ts"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { IdleWatch } from "../relay/IdleWatch.ts"
import { makeMeter, relay, type RelayEndReason, type RelayOptions, type RelayOutcome } from "../relay/Relay.ts"
import { ZeroCopy } from "../relay/ZeroCopy.ts"
import { serverFull } from "../security/Admission.ts"
import { refuse } from "../security/Refusal.ts"
import { refuseConnection } from "../security/Refuse.ts"
import type { HandshakeContext } from "../session/ConnectionContext.ts"
import type { BackendLink } from "../socket/BackendLink.ts"
import { takePending } from "../socket/Inbound.ts"
import { kick } from "../socket/Kick.ts"
import { answerBytes, awaitBackendAnswer, forwardAnswer } from "./BackendAnswer.ts"
import { connectBackend } from "./BackendConnect.ts"
import { handshakeToBackend } from "./HandshakeToBackend.ts"
import { openSession } from "./LiveSession.ts"
import { wakeForLogin } from "./LoginWake.ts"
import type { ClientLink, LoginStartRead } from "./ModeHandler.ts"
import { isRefusal, preConnect } from "./ServerChoice.ts"

/** The session-end log line, span attributes and metrics, whatever ended the relay. */
const endSession = (server: LoadedServer, startedAt: number, options: RelayOptions, exit: Exit.Exit<RelayOutcome>) =>
  Effect.withFiber((fiber) => {
    const seconds = (fiber.getRef(Clock.Clock).currentTimeMillisUnsafe() - startedAt) / 1000
    const reason: RelayEndReason | "shutdown" = Exit.isSuccess(exit) ? exit.value.reason : "shutdown"
    const { b2c, c2b } = Exit.isSuccess(exit) ? exit.value : options.meter.bytes()
    const ended = sessionEnded(server.id, { c2b, b2c, endReason: reason }, seconds)
    const logged = logsAt(fiber, "Info")
      ? Effect.andThen(Effect.logInfo(`session ended c2b=${c2b} b2c=${b2c} duration=${seconds.toFixed(1)}s reason=${reason}`), ended)
      : ended
    if (!fiber.getRef(References.TracerEnabled)) return logged
    return Effect.andThen(
      Effect.annotateCurrentSpan({
        "proxy.bytes_c2b": c2b,
        "proxy.bytes_b2c": b2c,
        "proxy.end_reason": reason,
        ...(/_(error|timeout)$/.test(reason) ? { "error.type": reason } : {})
      }),
      logged
    )
  })

/** The relay phase: one span for the whole session; the bytes themselves never touch Effect. */
const relaySession = (client: ClientLink, backend: BackendLink, server: LoadedServer, startedAt: number, options: RelayOptions) =>
  Effect.flatMap(ZeroCopy, (zeroCopy): Effect.Effect<RelayOutcome> =>
    (server.config.proxyMode === "zero_copy"
      ? zeroCopy.relay(client.socket, backend, options)
      : relay(client.socket, backend, options)).pipe(
        Effect.onExit(endsSession(server, startedAt, options)),
        traced("proxy.relay", { attributes: { "proxy.mode": server.config.proxyMode, "proxy.backend": backend.address } })
      ))

/**
 * The relay's exit hook, made outside `relaySession`: a closure made there would keep the
 * client's link (its socket wrapper and handshake reader) alive for as long as the relay runs.
 */
const endsSession = (server: LoadedServer, startedAt: number, options: RelayOptions) => (exit: Exit.Exit<RelayOutcome>) =>
  endSession(server, startedAt, options, exit)

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
  }, { _tag: "Connecting", server: routed.id }, routed.config.maxPlayers, undefined, "current")
  if (Option.isNone(opened)) return yield* Effect.as(refuseConnection(client.socket, yield* serverFull(routed)), undefined)
  const session = opened.value

  const chosen = yield* preConnect(session, routed, ctx)
  if (isRefusal(chosen)) return yield* Effect.as(refuseConnection(client.socket, chosen), undefined)
  const server = chosen
  const forwarding = (yield* Forwarding).planFor(server)
  if (forwarding.refusal !== undefined) {
    return yield* Effect.as(refuseConnection(client.socket, refuse("Warn", forwarding.refusal, "This server is misconfigured. Please tell an admin.")), undefined)
  }
  const asleep = yield* wakeForLogin(server, loginStart.name)
  if (asleep !== undefined) return yield* Effect.as(refuseConnection(client.socket, asleep), undefined)
  const handshake = handshakeToBackend({
    server,
    handshake: ctx.opening.handshake,
    raw: ctx.opening.raw,
    nextState: ctx.opening.handshake.nextState,
    host: ctx.host,
    // The forwarding modes know only what the login start claims; the backend authenticates.
    player: { address: ctx.client.address, profile: { id: loginStart.uuid ?? offlineUuid(loginStart.name), name: loginStart.name, properties: [] } },
    plan: forwarding.plan
  })
  if (!isEncodedBytes(handshake)) {
    return yield* Effect.as(refuseConnection(client.socket, refuse("Warn", `cannot build the handshake for '${server.id}': ${handshake.message}`, server.config.disconnectMessage)), undefined)
  }

  // In the session's scope (the connection's): a forwarding session never changes backend, so it
  // needs no leg.
  const link = yield* connectBackend(ctx, server).pipe(Scope.provide(session.scope), Effect.option)
  if (Option.isNone(link)) {
    yield* settleOutcome("no_backend")
    yield* Effect.logWarning(`no backend of '${server.id}' is reachable; disconnecting ${untrusted(loginStart.name)}`)
    return yield* Effect.as(kick(client.socket, server.config.disconnectMessage), undefined)
  }
  const backend = link.value
  // One write for all of it: one segment and one wake-up of the backend instead of two or three.
  const rest = takePending(client.inbound)
  backend.socket.write(rest.length > 0 ? Buffer.concat([handshake, raw, rest]) : Buffer.concat([handshake, raw]))
  // Until the backend answers, the player can still read a login disconnect (BackendAnswer.ts).
  const answer = yield* awaitBackendAnswer(backend, firstByteTimeoutOf(server.config))
  if (answer._tag === "Silent") {
    yield* settleOutcome("no_backend")
    yield* Effect.logWarning(`backend ${backend.address} of '${server.id}' ${answer.detail} before answering the login; disconnecting ${untrusted(loginStart.name)}`)
    return yield* Effect.as(kick(client.socket, server.config.disconnectMessage), undefined)
  }
  yield* session.transition({ _tag: "Playing", server: server.id, backend: backend.address }, 0)
  yield* session.joined
  const events = yield* Events
  yield* events.notify({ _tag: "ServerConnected", player: session.player, server: server.id, backend: backend.address })
  const answered = answerBytes(answer)
  yield* forwardAnswer(client.socket, answered, firstByteTimeoutOf(server.config))
  yield* Effect.logInfo(`session started backend=${backend.address} mode=${server.config.proxyMode}`)
  return { backend, server, startedAt: session.info.startedAt, answered: answered.length }
}, traced("proxy.login"))

const login = Effect.fnUntraced(function*(ctx: HandshakeContext, client: ClientLink, start: LoginStartRead) {
  const prepared = yield* prepare(ctx, client, start)
  if (prepared === undefined) return Effect.void
  const { answered, backend, server, startedAt } = prepared
  const meter = makeMeter()
  yield* settleOutcome("relayed")
  // Bytes reach `infrarust.bytes.relayed` while the session runs, read from the meter.
  const meters = yield* Effect.serviceOption(SessionMeters)
  if (Option.isSome(meters)) yield* meters.value.track(server.id, meter)
  const options: RelayOptions = { ...relayTimeoutsOf(server.config), idleWatch: yield* IdleWatch, meter, sentBefore: answered }
  // Returned, not run from here: this frame is not kept alive for the hours the relay lasts.
  return relaySession(client, backend, server, startedAt, options)
}, Effect.flatten)

export const ForwardingMode = {
  family: "forwarding",
  login
} as const

export type ForwardingServices = Effect.Services<ReturnType<typeof login>>
