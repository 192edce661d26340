/**
 * The access-control steps of the connection pipeline, in Infrarust's order (reference §2.4,
 * §2.9), with what the client sees (§2.6, §3.1):
 *
 *   accept → PROXY header → {@link admitConnection} (global `[ip_filter]`, then IP/range bans)
 *   → handshake → {@link admitRate} → route → {@link admitToServer} (the server's `[ip_filter]`)
 *   → login start → {@link admitLogin} (IP, name and UUID bans, then `max_players`)
 *
 * Each step returns a `Refusal` value (the caller logs it at its level and sends its kick, if
 * any) or `undefined` to continue, and counts the refusal on `infrarust.rejections`.
 *
 * Log levels: what floods produce (filtered addresses, rate limits) is Debug; bans and full
 * servers concern a person and are Info — but every line a peer can cause goes through the log
 * throttle (a few a minute per kind, then one summary line), so a flood from a banned range
 * cannot flood the log. None is an error.
 */
import { Clock, Context, Effect, Metric, Option, References } from "effect"
import { traced } from "../observability/Tracing.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { type Refusal, refuse } from "./Refusal.ts"
import { LogThrottle } from "../observability/LogThrottle.ts"
import { rejections, taggedEach } from "../observability/Metrics.ts"
import { describeExpiry, describeTarget, kickMessage } from "./Ban.ts"
import { BanList } from "./BanList.ts"
import { allows, IpFilter } from "./IpFilter.ts"
import type { IpFilterConfig } from "../config/GlobalTables.ts"
import { formatRetryAfter, type RateDecision, type RateKind, RateLimiter } from "./RateLimiter.ts"

/** The `reason` attribute of `infrarust.rejections`. */
const REJECTION_REASONS = [
  "rate_limited",
  "banned",
  "ip_filtered",
  "server_full",
  "untrusted_proxy",
  "pending_limit"
] as const
export type RejectionReason = typeof REJECTION_REASONS[number]

/** One counter per reason, built once (building a tagged metric per refusal would allocate). */
const counters = taggedEach(rejections, "reason", REJECTION_REASONS)

/** Counts `n` refusals (one unless given). */
export const countRejection = (reason: RejectionReason, n = 1): Effect.Effect<void> => Metric.update(counters[reason], n)

const refused = (reason: RejectionReason, refusal: Refusal) => Effect.as(countRejection(reason), refusal)


/** Texts players read (Infrarust's where it has one). */
export const notAllowedMessage = (client: string) => `IP ${client} is not allowed`
export const notAllowedOnServerMessage = (client: string) => `IP ${client} is not allowed on this server`
export const rateLimitedMessage = (retryAfterMs: number) =>
  `Too many connection attempts from your address. Please wait ${formatRetryAfter(retryAfterMs)} and try again.`
export const serverFullMessage = (maxPlayers: number) =>
  `This server is full (${maxPlayers}/${maxPlayers} players). Please try again later.`

/**
 * Before the handshake is read: the global `[ip_filter]` (a login Disconnect naming the
 * address, as Infrarust sends) and IP or range bans (closed without a word, as in Infrarust:
 * nothing is read from a banned address).
 */
export const admitConnection = Effect.fnUntraced(function*(client: string) {
  const filter = yield* IpFilter
  if (!(yield* filter.allowedGlobally(client))) {
    return yield* refused("ip_filtered", refuse("Debug", `refused by [ip_filter]`, notAllowedMessage(client)))
  }
  const bans = yield* BanList
  const ban = yield* bans.find({ ip: client })
  if (Option.isSome(ban)) {
    // Keyed by the ban, so a flood from a banned range is one Info line a minute, not one per address.
    const level = yield* (yield* LogThrottle).level(`banned address closed|${client}`, "Info")
    return yield* refused(
      "banned",
      refuse(level, `banned address closed (${describeTarget(ban.value.target)}, ${describeExpiry(ban.value)})`)
    )
  }
  return undefined
})

/**
 * {@link admitConnection}'s answer when it is a plain yes, from the same tables, synchronously:
 * true when the global `[ip_filter]` admits `client` and no ban matches it. False means "ask
 * {@link admitConnection}" (it refuses, counts and logs; or this thread's ban list cannot tell).
 */
export const plainlyAdmitted = (bans: BanList["Service"], ipFilter: IpFilterConfig | undefined, client: string, now: number): boolean =>
  allows(ipFilter, client) && bans.findNow({ ip: client }, now) === undefined

/**
 * After the handshake: the login or status bucket of the client. A refused login gets a short
 * kick saying how long to wait; a refused status ping is the caller's to answer cheaply.
 */
export const admitRate = (kind: RateKind, client: string): Effect.Effect<Refusal | undefined, never, RateLimiter> =>
  Effect.withFiber((fiber) => Effect.flatMap(Context.getUnsafe(fiber.context, RateLimiter).check(kind, client), verdict))

const verdict = (decision: RateDecision): Effect.Effect<Refusal | undefined> =>
  decision._tag === "Allowed" ? ADMITTED : refused("rate_limited", rateRefusal(decision))

/** "Go on", built once: the admission steps answer it for almost every connection. */
const ADMITTED: Effect.Effect<undefined> = Effect.succeed(undefined)

/** What a refused token means: the log line, and for a login the kick saying how long to wait. */
export const rateRefusal = (decision: Extract<RateDecision, { _tag: "Limited" }>): Refusal => {
  const { kind } = decision
  const reason = `${kind === "login" ? "login" : "status ping"} rate limited (${decision.key}, next token in ${decision.retryAfterMs} ms)`
  return refuse("Debug", reason, kind === "login" ? rateLimitedMessage(decision.retryAfterMs) : undefined)
}

/** After routing: the server's own `[ip_filter]`. Logins get Infrarust's kick, pings a close. */
export const admitToServer = (server: LoadedServer, client: string, isStatus: boolean): Effect.Effect<Refusal | undefined> =>
  allows(server.config.ipFilter, client)
    ? ADMITTED
    : refused(
      "ip_filtered",
      refuse("Debug", `refused by the [ip_filter] of '${server.id}'`, isStatus ? undefined : notAllowedOnServerMessage(client))
    )

export interface LoginAdmission {
  readonly client: string
  readonly username: string
  readonly uuid?: string | undefined
}

/**
 * At login start: bans by IP, name (any case) and UUID — the player reads the reason and how
 * long the ban lasts. (`max_players` is checked when the session opens, atomically with its
 * registration: see Sessions.open.)
 */
export const admitLogin = (login: LoginAdmission): Effect.Effect<Refusal | undefined, never, BanList | LogThrottle> =>
  Effect.withFiber((fiber) => {
    const bans = Context.getUnsafe(fiber.context, BanList)
    // No ban matches (almost every login): decided from the list at hand, without the traced step.
    const plain = !fiber.getRef(References.TracerEnabled) &&
      bans.findNow(banLookupOf(login), fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()) === undefined
    return plain ? ADMITTED : admitLoginTraced(login)
  })

const banLookupOf = (login: LoginAdmission) => ({ ip: login.client, username: login.username, uuid: login.uuid })

const admitLoginTraced = Effect.fnUntraced(function*(login: LoginAdmission) {
  const bans = yield* BanList
  const ban = yield* bans.find(banLookupOf(login))
  if (Option.isSome(ban)) {
    const now = yield* Clock.currentTimeMillis
    return yield* refused(
      "banned",
      refuse(
        "Info",
        `banned player refused (${describeTarget(ban.value.target)}, ${describeExpiry(ban.value)})`,
        kickMessage(ban.value, now),
        "banned player refused",
        login.username.toLowerCase()
      )
    )
  }
  return undefined
}, traced("proxy.admission"))

/** The refusal for a login to a server at `max_players`. */
export const serverFull = (server: LoadedServer) =>
  refused(
    "server_full",
    refuse("Info", `server '${server.id}' is full (max_players = ${server.config.maxPlayers})`, serverFullMessage(server.config.maxPlayers))
  )
