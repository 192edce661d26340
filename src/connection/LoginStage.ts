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
import { Clock, Duration, Effect, Exit, Option } from "effect"
import type * as Net from "node:net"
import { Balancer } from "../backend/Balancer.ts"
import { dial } from "../backend/BackendDialer.ts"
import { backendHandshake, type Endpoint, proxyHeaderFor } from "../backend/BackendHandshake.ts"
import type { BackendLink } from "../backend/BackendLink.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { connectTimeoutOf } from "../config/ServerConfig.ts"
import { done } from "../protocol/Decode.ts"
import type { DecodedHandshake } from "../protocol/Handshake.ts"
import { decodeLoginStart, maxLoginStartFrameLength } from "../protocol/LoginStart.ts"
import { IdleWatch } from "../relay/IdleWatch.ts"
import { makeMeter, relay, type RelayEndReason } from "../relay/Relay.ts"
import { ZeroCopy } from "../relay/ZeroCopy.ts"
import { Sessions } from "../services/Sessions.ts"
import { keepaliveSettings } from "../socket/TcpKeepalive.ts"
import { StageTimeout } from "./ConnectionError.ts"
import { type Inbound, next, takePending } from "./Inbound.ts"
import { kick } from "./Kick.ts"

export interface LoginContext {
  readonly socket: Net.Socket
  readonly inbound: Inbound
  readonly client: Endpoint
  readonly local: Endpoint
  readonly server: LoadedServer
  readonly handshake: DecodedHandshake
  readonly rawHandshake: Uint8Array
  readonly config: ProxyConfig
}

const readLoginStart = (ctx: LoginContext) => {
  const protocol = ctx.handshake.protocolVersion
  const timeout = ctx.config.limits.handshakeTimeout
  return next(
    ctx.inbound,
    "login start",
    (bytes, offset) => {
      const r = decodeLoginStart(bytes, offset, protocol)
      return r._tag === "Done" ? done({ loginStart: r.value, raw: bytes.slice(offset, r.offset) }, r.offset) : r
    },
    maxLoginStartFrameLength(protocol) + 1024
  ).pipe(
    Effect.timeoutOrElse({ duration: timeout, orElse: () => Effect.fail(new StageTimeout({ stage: "login start", after: timeout })) })
  )
}

/** Dials the candidates in order; the first that connects wins. */
const connectBackend = Effect.fn("proxy.backend_connect")(function*(ctx: LoginContext) {
  const balancer = yield* Balancer
  const server = ctx.server
  const connectTimeout = connectTimeoutOf(server.config, ctx.config.connectTimeout)
  const preamble = server.config.sendProxyProtocol ? proxyHeaderFor(ctx.client, ctx.local) : undefined
  const keepalive = keepaliveSettings(ctx.config.keepalive)
  for (const target of yield* balancer.candidates(server)) {
    const attempt = yield* Effect.result(
      dial({ host: target.host, port: target.port, address: target.text, connectTimeout, keepalive, preamble })
    )
    yield* balancer.report(server, target, attempt._tag === "Success")
    if (attempt._tag === "Success") return Option.some(attempt.success)
    yield* Effect.logWarning(`backend ${target.text} of '${server.id}' failed: ${attempt.failure.detail}`)
  }
  return Option.none<BackendLink>()
})

export const serveLogin = Effect.fn("proxy.login")(function*(ctx: LoginContext) {
  const { loginStart, raw } = yield* readLoginStart(ctx)
  yield* Effect.annotateLogsScoped({ player: loginStart.name, server: ctx.server.id })
  yield* Effect.annotateCurrentSpan({ "mc.player": loginStart.name, "proxy.route": ctx.server.id })
  const server = ctx.server.config

  const link = yield* connectBackend(ctx)
  if (Option.isNone(link)) {
    yield* Effect.logWarning(`no backend of '${ctx.server.id}' is reachable; disconnecting ${loginStart.name}`)
    return yield* kick(ctx.socket, server.disconnectMessage)
  }
  const backend = link.value
  backend.socket.write(backendHandshake(server, ctx.handshake, ctx.rawHandshake))
  backend.socket.write(raw)
  const rest = takePending(ctx.inbound)
  if (rest.length > 0) backend.socket.write(rest)

  const sessions = yield* Sessions
  const session = yield* sessions.register({
    client: ctx.client.address,
    player: loginStart.name,
    uuid: loginStart.uuid,
    serverId: ctx.server.id,
    backend: backend.address,
    protocolVersion: ctx.handshake.protocolVersion,
    mode: server.proxyMode
  })
  yield* Effect.logInfo(`session started backend=${backend.address} mode=${server.proxyMode}`)
  const idleWatch = yield* IdleWatch
  const readTimeoutMs = Duration.toMillis(server.timeouts?.read ?? Duration.seconds(30))
  const writeTimeoutMs = Duration.toMillis(server.timeouts?.write ?? Duration.seconds(30))
  const meter = makeMeter()
  const relayOptions = { readTimeoutMs, writeTimeoutMs, idleWatch, meter }
  const relayed = server.proxyMode === "zero_copy"
    ? (yield* ZeroCopy).relay(ctx.socket, backend, relayOptions)
    : relay(ctx.socket, backend, relayOptions)
  yield* relayed.pipe(
    Effect.onExit((exit) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const reason: RelayEndReason | "shutdown" = Exit.isSuccess(exit) ? exit.value.reason : "shutdown"
        const { b2c, c2b } = Exit.isSuccess(exit) ? exit.value : meter.bytes()
        yield* Effect.logInfo(
          `session ended c2b=${c2b} b2c=${b2c} duration=${((now - session.startedAt) / 1000).toFixed(1)}s reason=${reason}`
        )
        yield* Effect.annotateCurrentSpan({ "proxy.bytes_c2b": c2b, "proxy.bytes_b2c": b2c, "proxy.end_reason": reason })
      })
    )
  )
})
