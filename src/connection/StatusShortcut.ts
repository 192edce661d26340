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
import type { Router } from "../routing/Router.ts"
import { plainlyAdmitted } from "../security/Admission.ts"
import type { BanList } from "../security/BanList.ts"
import { allows } from "../security/IpFilter.ts"
import type { RateDecision, RateLimiter } from "../security/RateLimiter.ts"
import type { Inbound } from "../socket/Inbound.ts"
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
  /** The status bucket refused this ping (it is answered, and counted as limited). */
  readonly limited: Extract<RateDecision, { _tag: "Limited" }> | undefined
}

/**
 * The reply to the ping in `inbound`, when the shortcut applies (see above): the handshake and
 * the status request are then consumed from `inbound`. undefined = nothing was consumed or
 * taken; the ordinary stages follow.
 */
export const cachedStatusReply = (
  services: ShortcutServices,
  inbound: Inbound,
  client: string,
  config: ProxyConfig,
  now: number,
  /** The fiber's context, for the cache-hit metric. */
  context: Context.Context<never>
): CachedReply | undefined => {
  const { bans, events, rateLimiter, router, status } = services
  if (config.receiveProxyProtocol || status.atHand === undefined || rateLimiter.checkNow === undefined) return undefined
  const first = decodeFirstPacket(inbound.pending, 0)
  if (first._tag !== "Done" || first.value._tag !== "Handshake") return undefined
  const handshake = first.value.handshake
  if (handshake.nextState !== NextState.Status) return undefined
  const request = decodeStatusServerbound(inbound.pending, first.offset)
  if (request._tag !== "Done" || request.value._tag !== "StatusRequest") return undefined
  if (!plainlyAdmitted(bans, config.ipFilter, client, now)) return undefined
  const { route } = router.resolveNow(handshake.serverAddress)
  if (route === undefined || !allows(route.entry.value.config.ipFilter, client) || events.wants("ProxyPing")) return undefined
  const json = status.atHand(route, config, handshake.protocolVersion, now, context)
  if (json === undefined) return undefined
  // Decided: from here on the ping is this path's.
  inbound.pending = inbound.pending.subarray(request.offset)
  const decision = rateLimiter.checkNow("status", client, config.rateLimit, now)
  return { json, limited: decision._tag === "Limited" ? decision : undefined }
}
