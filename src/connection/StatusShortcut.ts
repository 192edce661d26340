/**
 * The cached-status shortcut: a modern server-list ping whose whole answer is already known is
 * decided in one synchronous call, and the connection's fiber only writes the reply and closes.
 *
 * The ordinary stages (Arrival.ts, StatusStage.ts) cost a status ping about 250 µs of CPU, most
 * of it Effect steps around checks that are plain table lookups; a server-list ping flood is the
 * most common attack on a network, and HAProxy forwards one in about 100 µs. Here the same checks
 * run as plain calls, in the same order and with the same tables, and the answer is the one the
 * ordinary path would give; whatever is not the plain case goes the ordinary way, which then
 * decides everything itself. The shortcut applies only when all of these hold:
 *
 * - `receive_proxy_protocol` is off and tracing is off (the ordinary stages make the spans);
 * - the client's first bytes hold its handshake (next state: status) and its status request;
 * - the global `[ip_filter]` admits the address and no ban matches it (this thread's copy of
 *   the ban list is current);
 * - the host has a route, and the server's own `[ip_filter]` admits the address;
 * - no plugin listens to ProxyPing;
 * - the status cache holds a fresh response of the server, which is online or unmanaged (in a
 *   worker thread: a copy of one the coordinator gave it, workers/remote/RemoteStatus.ts).
 *
 * The status rate limit takes its token here exactly as in the ordinary path; a limited ping is
 * answered all the same (the ordinary path answers a limited ping when that costs no backend
 * work, which a fresh cached response does not), and counted and logged as limited.
 */
import type { Context } from "effect"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import type { Events } from "../event/EventBus.ts"
import { NextState } from "../protocol/Handshake.ts"
import { decodeStatusServerbound } from "../protocol/Status.ts"
import { decodeVarInt } from "../protocol/VarInt.ts"
import type { Router } from "../routing/Router.ts"
import { plainlyAdmitted } from "../security/Admission.ts"
import type { BanList } from "../security/BanList.ts"
import { allows } from "../security/IpFilter.ts"
import type { RateDecision, RateLimiter } from "../security/RateLimiter.ts"
import type { StatusService } from "../status/StatusService.ts"
import { decodeFirstPacket } from "./FirstPacket.ts"

export interface ShortcutServices {
  readonly router: Router["Service"]
  readonly rateLimiter: RateLimiter["Service"]
  readonly bans: BanList["Service"]
  readonly status: StatusService["Service"]
  readonly events: Events["Service"]
}

export interface CachedReply {
  /** The status JSON to send. */
  readonly json: string
  /** How many of the client's first bytes the handshake and the status request took. */
  readonly consumed: number
  /** The status bucket refused this ping (it is answered, and counted as limited). */
  readonly limited: Extract<RateDecision, { _tag: "Limited" }> | undefined
  /** The arrival gate already wrote the answer, which the kernel did not take whole (GateAnswer.ts). */
  readonly written?: true
}

/** A cached answer before the status bucket is asked. */
export type CachedAnswer = Omit<CachedReply, "limited" | "written">

/** The shortcut's calls: the client's first bytes, its address, the config, the time. */
type ShortcutCall<A> = (
  services: ShortcutServices,
  bytes: Uint8Array,
  client: string,
  config: ProxyConfig,
  now: number,
  /** The fiber's context, for the cache-hit metric. */
  context: Context.Context<never>
) => A

/**
 * The cached answer to the ping at the start of `bytes`, when the shortcut applies (see above),
 * before the status bucket is asked: nothing is taken. undefined = the ordinary stages follow.
 */
export const cachedStatusAnswer: ShortcutCall<CachedAnswer | undefined> = (services, bytes, client, config, now, context) => {
  const { bans, events, rateLimiter, router, status } = services
  if (config.receiveProxyProtocol || status.atHand === undefined || rateLimiter.checkNow === undefined || !statusAhead(bytes)) return undefined
  const first = decodeFirstPacket(bytes, 0)
  if (first._tag !== "Done" || first.value._tag !== "Handshake") return undefined
  const handshake = first.value.handshake
  if (handshake.nextState !== NextState.Status) return undefined
  const request = decodeStatusServerbound(bytes, first.offset)
  if (request._tag !== "Done" || request.value._tag !== "StatusRequest") return undefined
  if (!plainlyAdmitted(bans, config.ipFilter, client, now)) return undefined
  const { route } = router.resolveNow(handshake.serverAddress)
  if (route === undefined || !allows(route.entry.value.config.ipFilter, client) || events.wants("ProxyPing")) return undefined
  const json = status.atHand(route, config, handshake.protocolVersion, now, context)
  return json === undefined ? undefined : { json, consumed: request.offset }
}

/**
 * Whether the first frame can be a handshake asking for the status: its last byte, the next
 * state, is 1. A filter before the whole decode, which a login would otherwise pay for nothing.
 */
const statusAhead = (bytes: Uint8Array): boolean => {
  const length = decodeVarInt(bytes, 0)
  return length._tag === "Done" && bytes[length.offset + length.value - 1] === NextState.Status
}

/** Decides the ping: the status bucket takes its token (a limited ping is answered all the same). */
export const takeStatusToken = (
  services: ShortcutServices,
  answer: CachedAnswer,
  client: string,
  config: ProxyConfig,
  now: number
): CachedReply => {
  const decision = services.rateLimiter.checkNow!("status", client, config.rateLimit, now)
  return { json: answer.json, consumed: answer.consumed, limited: decision._tag === "Limited" ? decision : undefined }
}

/**
 * The reply to the ping at the start of `bytes`, when the shortcut applies (see above); the
 * caller then consumes `consumed` bytes. undefined = nothing was taken; the ordinary stages follow.
 */
export const cachedStatusReply: ShortcutCall<CachedReply | undefined> = (services, bytes, client, config, now, context) => {
  const answer = cachedStatusAnswer(services, bytes, client, config, now, context)
  return answer === undefined ? undefined : takeStatusToken(services, answer, client, config, now)
}
