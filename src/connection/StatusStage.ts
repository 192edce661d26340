/**
 * A modern server-list ping (next state 1), from its handshake to the pong:
 *
 * - the status bucket of the client's address (`[rate_limit]`): a limited ping is answered only
 *   when that costs no backend work (a cached response, a proxy-made MOTD), else closed;
 * - an unknown domain gets `[default_motd]` (or is dropped with `unknown_domain_behavior = "drop"`);
 * - the server's own `[ip_filter]` closes a filtered ping without a word;
 * - the reply comes from StatusService (cache, MOTD states), then ProxyPing listeners may change
 *   it — cached replies included — before the client reads it.
 *
 * The exchange: read the status request, answer with the JSON, answer the ping with a pong of the
 * same payload and close. The client's reads are bounded by {@link STATUS_CLIENT_TIMEOUT}, as in
 * Infrarust ("status request read timed out" / "ping request read timed out").
 */
import { Duration, Effect, LogLevel, Option } from "effect"
import { Events } from "../event/EventBus.ts"
import type { PingReply } from "../event/ProxyEvent.ts"
import { handshakeCompleted, settleOutcome } from "../observability/ConnectionReport.ts"
import { untrusted } from "../observability/LogText.ts"
import { traced } from "../observability/Tracing.ts"
import { decodeStatusServerbound, encodePongResponse, MAX_STATUS_SERVERBOUND_FRAME_LENGTH } from "../protocol/Status.ts"
import { admitRate, admitToServer, countRejection, rateRefusal } from "../security/Admission.ts"
import { refuseConnection } from "../security/Refuse.ts"
import type { HandshakeContext } from "../session/ConnectionContext.ts"
import { type Inbound, nextWithin } from "../socket/Inbound.ts"
import { answerLastAndClose, sendAndClose } from "../socket/Kick.ts"
import { StatusService } from "../status/StatusService.ts"
import { pongAtStart, responseFrame } from "./StatusFrames.ts"
import type { CachedReply } from "./StatusShortcut.ts"

const STATUS_CLIENT_TIMEOUT = Duration.seconds(5)

const MAX_PENDING = 4 * MAX_STATUS_SERVERBOUND_FRAME_LENGTH

const readStatusPacket = (inbound: Inbound, stage: string) =>
  nextWithin(inbound, stage, decodeStatusServerbound, MAX_PENDING, STATUS_CLIENT_TIMEOUT)

/** ProxyPing listeners see the reply as JSON and may return another; a reply that is not an object passes untouched. */
const firePing = (ctx: HandshakeContext, json: string) =>
  Effect.gen(function*() {
    const events = yield* Events
    if (!events.wants("ProxyPing")) return json
    const parsed = yield* Effect.option(Effect.try(() => JSON.parse(json) as unknown))
    if (Option.isNone(parsed) || typeof parsed.value !== "object" || parsed.value === null) return json
    const reply = parsed.value as PingReply
    const event = { _tag: "ProxyPing", client: ctx.client, host: ctx.host, server: ctx.route?.entry.id, protocolVersion: ctx.protocolVersion } as const
    const changed = yield* events.fire(event, reply)
    return changed === reply ? json : JSON.stringify(changed)
  })

const exchange = Effect.fnUntraced(function*(
  ctx: HandshakeContext,
  inbound: Inbound,
  /** An answer already at hand (a rate-limited ping gets `respondWithoutBackend`'s). */
  prepared?: string
) {
  const socket = inbound.socket
  const first = yield* readStatusPacket(inbound, "status request")
  if (first._tag === "PingRequest") {
    // Some tools ping without asking for the status first: answer the ping alone.
    return yield* answerLastAndClose(socket, encodePongResponse(first.payload), inbound.pending.length)
  }
  const status = yield* StatusService
  const json = yield* firePing(ctx, prepared ?? (yield* status.respond(ctx)))
  yield* reply(inbound, json)
}, traced("proxy.status_exchange"))

/** Sends the status response for `json`, then the pong for the client's ping, and closes. */
const reply = (inbound: Inbound, json: string): Effect.Effect<void> => {
  const socket = inbound.socket
  const response = responseFrame(json)
  // A client that sent its ping with the request (server-list tools, bots, the bench) gets
  // both answers in one write, and the close with them.
  const early = pingAtHand(inbound)
  if (early !== undefined) {
    return answerLastAndClose(socket, response === undefined ? early : Buffer.concat([response, early]), inbound.pending.length)
  }
  if (response !== undefined) socket.write(response)
  return readStatusPacket(inbound, "ping").pipe(
    Effect.option,
    Effect.flatMap((ping) =>
      ping._tag === "Some" && ping.value._tag === "PingRequest"
        ? answerLastAndClose(socket, encodePongResponse(ping.value.payload), inbound.pending.length)
        : sendAndClose(socket, new Uint8Array(0))
    )
  )
}

/**
 * A ping the cached-status shortcut decided (StatusShortcut.ts): counted as the ordinary path
 * counts it, then answered.
 */
export const answerCached = (inbound: Inbound, cached: CachedReply, client: string): Effect.Effect<void> => {
  const { limited } = cached
  const counted = Effect.andThen(handshakeCompleted, settleOutcome("status"))
  // The gate wrote it already; what is left of it goes out before the graceful close.
  if (cached.written === true) return Effect.andThen(counted, sendAndClose(inbound.socket, new Uint8Array(0)))
  if (limited === undefined) return Effect.andThen(counted, reply(inbound, cached.json))
  const refusal = rateRefusal(limited)
  return counted.pipe(
    Effect.andThen(countRejection("rate_limited")),
    // The only line this path writes carries the client as the ordinary path's lines do.
    Effect.andThen(logAt(refusal.level, `${refusal.reason}: answered without the backend`).pipe(Effect.annotateLogs({ client }))),
    Effect.andThen(reply(inbound, cached.json))
  )
}

/** The pong for a ping already received, consuming it; undefined when none is complete yet (or it is not a ping). */
const pingAtHand = (inbound: Inbound): Uint8Array | undefined => {
  const atHand = pongAtStart(inbound.pending)
  if (atHand === undefined) return undefined
  inbound.pending = inbound.pending.subarray(atHand.taken)
  return atHand.pong
}

const logAt = (level: LogLevel.Severity, message: string) => Effect.logWithLevel(level)(message)

export const answerStatus = Effect.fnUntraced(function*(ctx: HandshakeContext, inbound: Inbound) {
  const limited = yield* admitRate("status", ctx.client.address)
  if (ctx.route === undefined) {
    yield* settleOutcome("unknown_domain")
    if (ctx.config.unknownDomainBehavior === "drop") return yield* logAt("Debug", `unknown domain '${shorten(ctx.host)}': dropped`)
  } else {
    const filtered = yield* admitToServer(ctx.route.entry.value, ctx.client.address, true)
    if (filtered !== undefined) return yield* refuseConnection(inbound.socket, filtered)
  }
  if (limited === undefined) {
    yield* settleOutcome("status")
    return yield* exchange(ctx, inbound)
  }
  // Rate limited: answer only if that costs no backend work (cache, proxy MOTD), else close.
  const cheap = yield* (yield* StatusService).respondWithoutBackend(ctx)
  yield* settleOutcome(Option.isSome(cheap) ? "status" : "refused")
  yield* logAt(limited.level, `${limited.reason}: ${Option.isSome(cheap) ? "answered without the backend" : "closed"}`)
  if (Option.isSome(cheap)) yield* exchange(ctx, inbound, cheap.value)
})

/** Hosts come from the client: log lines and kick texts get them escaped and bounded. */
export const shorten = (host: string): string => untrusted(host)
