/**
 * The login path for the forwarding modes: read login start, connect to a backend, replay
 * what the client sent, relay.
 *
 * - Candidates come from the `Balancer` and are dialled in order with the per-attempt
 *   connect timeout (`[timeouts] connect`, else `connect_timeout`); when none answers, the
 *   player sees `disconnect_message` as a proper login disconnect.
 * - The backend receives the PROXY v2 header first (`send_proxy_protocol`), then the
 *   handshake (rewritten per `domain_rewrite`), the login start, and any bytes the client
 *   sent after it — nothing the client sent is dropped.
 * - Every session end is logged with client, player, server, byte counts, duration, reason.
 */
import { Clock, Effect, Exit, Option } from "effect"
import { traced } from "../observability/Tracing.ts"
import type * as Net from "node:net"
import { Balancer } from "../backend/Balancer.ts"
import { dial, NoBackendReachable } from "../backend/BackendDialer.ts"
import { backendHandshake, type Endpoint, proxyHeaderFor } from "../backend/BackendHandshake.ts"
import type { BackendLink } from "../socket/BackendLink.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { connectTimeoutOf, relayTimeoutsOf } from "../config/ServerConfig.ts"
import { done } from "../protocol/Decode.ts"
import type { DecodedHandshake } from "../protocol/Handshake.ts"
import { sessionEnded, settleOutcome, timeBackendConnect } from "../observability/ConnectionReport.ts"
import { SessionMeters } from "../observability/SessionMeters.ts"
import { decodeLoginStart, maxLoginStartFrameLength } from "../protocol/LoginStart.ts"
import { IdleWatch } from "../relay/IdleWatch.ts"
import { makeMeter, relay, type RelayEndReason, type RelayOptions, type RelayOutcome } from "../relay/Relay.ts"
import { ZeroCopy } from "../relay/ZeroCopy.ts"
import { admitLogin, serverFull } from "../security/Admission.ts"
import { Sessions } from "../session/Sessions.ts"
import type { KeepaliveSettings } from "../socket/TcpKeepalive.ts"
import { type Inbound, nextWithin, takePending } from "../socket/Inbound.ts"
import { kick } from "../socket/Kick.ts"
import { refuseConnection } from "../security/Refuse.ts"

export interface LoginContext {
  readonly socket: Net.Socket
  readonly inbound: Inbound
  readonly client: Endpoint
  readonly local: Endpoint
  readonly server: LoadedServer
  readonly handshake: DecodedHandshake
  readonly rawHandshake: Uint8Array
  readonly config: ProxyConfig
  /** `[keepalive]` for the backend leg, as already applied to the client's socket. */
  readonly keepalive: KeepaliveSettings
  /** Run once the login start has arrived: the client no longer counts as pending. */
  readonly onLoginStart?: Effect.Effect<void> | undefined
}

const readLoginStart = (ctx: LoginContext) => {
  const protocol = ctx.handshake.protocolVersion
  const timeout = ctx.config.limits.handshakeTimeout
  return nextWithin(
    ctx.inbound,
    "login start",
    (bytes, offset) => {
      const r = decodeLoginStart(bytes, offset, protocol)
      return r._tag === "Done" ? done({ loginStart: r.value, raw: bytes.slice(offset, r.offset) }, r.offset) : r
    },
    maxLoginStartFrameLength(protocol) + 1024,
    timeout
  )
}

/**
 * Dials the Balancer's candidates in order; the first that connects wins. The Balancer reports
 * each attempt (health, metrics, the warning line) and counts the link against its backend.
 */
const connectBackend = Effect.fnUntraced(function*(ctx: LoginContext) {
  const balancer = yield* Balancer
  const server = ctx.server
  const connectTimeout = connectTimeoutOf(server.config, ctx.config.connectTimeout)
  const preamble = server.config.sendProxyProtocol ? proxyHeaderFor(ctx.client, ctx.local) : undefined
  return yield* balancer.connect(server, (target) =>
    dial({ host: target.host, port: target.port, address: target.text, connectTimeout, keepalive: ctx.keepalive, preamble }).pipe(
      timeBackendConnect(server.id)
    ))
}, (connected, ctx) =>
  // Inside the span: a login that finds no backend marks it failed.
  Effect.flatMap(connected, (link) =>
    Option.isSome(link)
      ? Effect.as(Effect.annotateCurrentSpan("proxy.backend", link.value.address), link.value)
      : Effect.fail(new NoBackendReachable({ server: ctx.server.id }))), traced("proxy.backend_connect", { kind: "client" }))

/**
 * A login that reached its backend: everything the relay phase needs. The connection's
 * stages have finished by then, so while a session is relayed for hours its fiber keeps only
 * this and the relay's own frame (see ConnectionHandler: memory per idle session).
 */
export interface SessionPlan {
  readonly socket: Net.Socket
  readonly backend: BackendLink
  readonly server: LoadedServer
  readonly startedAt: number
  readonly options: RelayOptions
}

/**
 * Login start, admission, backend connect, session registration, replay to the backend.
 * Returns the plan for the relay, or undefined when the player was refused (already kicked).
 * What must outlive this stage (the backend socket, the session entry, the byte meter) is
 * acquired in the connection's Scope.
 */
export const prepareLogin = Effect.fnUntraced(function*(ctx: LoginContext) {
  const { loginStart, raw } = yield* readLoginStart(ctx)
  if (ctx.onLoginStart !== undefined) yield* ctx.onLoginStart
  yield* Effect.annotateLogsScoped({ player: loginStart.name, server: ctx.server.id })
  yield* Effect.annotateCurrentSpan({ "mc.player": loginStart.name, "proxy.route": ctx.server.id })
  const server = ctx.server.config
  const admission = yield* admitLogin({
    client: ctx.client.address,
    username: loginStart.name,
    uuid: loginStart.uuid,
    server: ctx.server
  })
  if (admission !== undefined) return yield* Effect.as(refuseConnection(ctx.socket, admission), undefined)

  const link = yield* connectBackend(ctx).pipe(Effect.option)
  if (Option.isNone(link)) {
    yield* settleOutcome("no_backend")
    yield* Effect.logWarning(`no backend of '${ctx.server.id}' is reachable; disconnecting ${loginStart.name}`)
    return yield* Effect.as(kick(ctx.socket, server.disconnectMessage), undefined)
  }
  const backend = link.value
  // Registered (against max_players, atomically) before the backend hears a byte: a login
  // that lost the race for the last slot costs the backend only a TCP connect.
  const sessions = yield* Sessions
  const registered = yield* sessions.registerWithin({
    client: ctx.client.address,
    player: loginStart.name,
    uuid: loginStart.uuid,
    serverId: ctx.server.id,
    backend: backend.address,
    protocolVersion: ctx.handshake.protocolVersion,
    mode: server.proxyMode
  }, server.maxPlayers)
  if (Option.isNone(registered)) return yield* Effect.as(refuseConnection(ctx.socket, yield* serverFull(ctx.server)), undefined)
  backend.socket.write(backendHandshake(server, ctx.handshake, ctx.rawHandshake))
  backend.socket.write(raw)
  const rest = takePending(ctx.inbound)
  if (rest.length > 0) backend.socket.write(rest)

  yield* Effect.logInfo(`session started backend=${backend.address} mode=${server.proxyMode}`)
  const meter = makeMeter()
  yield* settleOutcome("relayed")
  // Bytes reach `infrarust.bytes.relayed` while the session runs, read from the meter.
  const meters = yield* Effect.serviceOption(SessionMeters)
  if (Option.isSome(meters)) yield* meters.value.track(ctx.server.id, meter)
  const plan: SessionPlan = {
    socket: ctx.socket,
    backend,
    server: ctx.server,
    startedAt: registered.value.startedAt,
    options: {
      ...relayTimeoutsOf(server),
      idleWatch: yield* IdleWatch,
      meter
    }
  }
  return plan
}, traced("proxy.login"))

/** The session-end log line, span attributes and metrics, whatever ended the relay. */
const endSession = (plan: SessionPlan, exit: Exit.Exit<RelayOutcome>) =>
  Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const reason: RelayEndReason | "shutdown" = Exit.isSuccess(exit) ? exit.value.reason : "shutdown"
    const { b2c, c2b } = Exit.isSuccess(exit) ? exit.value : plan.options.meter.bytes()
    yield* Effect.logInfo(
      `session ended c2b=${c2b} b2c=${b2c} duration=${((now - plan.startedAt) / 1000).toFixed(1)}s reason=${reason}`
    )
    yield* Effect.annotateCurrentSpan({
      "proxy.bytes_c2b": c2b,
      "proxy.bytes_b2c": b2c,
      "proxy.end_reason": reason,
      ...(/_(error|timeout)$/.test(reason) ? { "error.type": reason } : {})
    })
    yield* sessionEnded(plan.server.id, { c2b, b2c, endReason: reason }, (now - plan.startedAt) / 1000)
  })

/** The relay phase: one span for the whole session; the bytes themselves never touch Effect. */
export const runSession = (plan: SessionPlan) =>
  Effect.flatMap(ZeroCopy, (zeroCopy): Effect.Effect<RelayOutcome> =>
    (plan.server.config.proxyMode === "zero_copy"
      ? zeroCopy.relay(plan.socket, plan.backend, plan.options)
      : relay(plan.socket, plan.backend, plan.options)).pipe(
        Effect.onExit((exit) => endSession(plan, exit)),
        traced("proxy.relay", {
          attributes: { "proxy.mode": plan.server.config.proxyMode, "proxy.backend": plan.backend.address }
        })
      ))
