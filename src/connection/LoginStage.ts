/**
 * A login (next state 2 or 3), from its handshake to the mode handler:
 *
 *   login bucket → route (unknown domain: a kick, or dropped) → the server's `[ip_filter]` →
 *   TCP keepalive → login start (under `[limits] handshake_timeout`) → bans by IP, name and UUID
 *   → the mode handler of the route's `proxy_mode` (mode/ProxyModes.ts), which runs the session.
 */
import { Effect } from "effect"
import { settleOutcome } from "../observability/ConnectionReport.ts"
import { ProxyModes } from "../mode/ProxyModes.ts"
import type { ClientLink, LoginStartRead } from "../mode/ModeHandler.ts"
import { done } from "../protocol/Decode.ts"
import { decodeLoginStart, maxLoginStartFrameLength } from "../protocol/LoginStart.ts"
import { admitLogin, admitRate, admitToServer } from "../security/Admission.ts"
import { refuse } from "../security/Refusal.ts"
import { refuseConnection } from "../security/Refuse.ts"
import type { HandshakeContext } from "../session/ConnectionContext.ts"
import { nextWithin } from "../socket/Inbound.ts"
import { applyKeepalive, keepaliveSettings } from "../socket/TcpKeepalive.ts"
import { shorten } from "./StatusStage.ts"
import { annotateFiberLogs } from "../observability/FiberLogs.ts"

const readLoginStart = (ctx: HandshakeContext, client: ClientLink) =>
  nextWithin(
    client.inbound,
    "login start",
    (bytes, offset) => {
      const r = decodeLoginStart(bytes, offset, ctx.protocolVersion)
      return r._tag === "Done" ? done<LoginStartRead>({ loginStart: r.value, raw: bytes.slice(offset, r.offset) }, r.offset) : r
    },
    maxLoginStartFrameLength(ctx.protocolVersion) + 1024,
    ctx.config.limits.handshakeTimeout
  )

export const acceptLogin = Effect.fnUntraced(function*(
  ctx: HandshakeContext,
  client: ClientLink,
  /** Run once the login start has arrived: the client no longer counts as pending. */
  onLoginStart: Effect.Effect<void>
) {
  const socket = client.socket
  const limited = yield* admitRate("login", ctx.client.address)
  if (limited !== undefined) return refuseConnection(socket, limited)
  if (ctx.route === undefined) {
    yield* settleOutcome("unknown_domain")
    const host = shorten(ctx.host)
    if (ctx.config.unknownDomainBehavior === "drop") return Effect.logDebug(`unknown domain '${host}': dropped`)
    return refuseConnection(socket, refuse("Info", `login for unknown domain '${host}' refused`, `Unknown server: ${host}`, "login for unknown domain"))
  }
  const server = ctx.route.entry.value
  const filtered = yield* admitToServer(server, ctx.client.address, false)
  if (filtered !== undefined) return refuseConnection(socket, filtered)

  // Keepalive matters for sessions that last; status pings and refusals are over in a moment.
  applyKeepalive(socket, keepaliveSettings(ctx.config.keepalive))
  const start = yield* readLoginStart(ctx, client)
  yield* onLoginStart
  const { loginStart } = start
  yield* annotateFiberLogs({ player: loginStart.name })
  yield* Effect.annotateCurrentSpan({ "mc.player": loginStart.name })
  const banned = yield* admitLogin({ client: ctx.client.address, username: loginStart.name, uuid: loginStart.uuid })
  if (banned !== undefined) return refuseConnection(socket, banned)
  const modes = yield* ProxyModes
  // Returned, not run from here: this frame is not kept alive for the whole session.
  return modes.handlerFor(server.config.proxyMode).login(ctx, client, start)
}, Effect.flatten)
