/**
 * Whether a name belongs to a paid ("premium") Minecraft account, from Mojang's profile API:
 * `GET <profile_api>/users/profiles/minecraft/<name>` answers 200 `{id, name}` for a premium name
 * and 204 or 404 for a free one. Source: https://minecraft.wiki/w/Mojang_API#Query_player's_UUID
 *
 * Invariant: `lookup` never fails and never takes longer than the configured timeout. An answer
 * it cannot get (rate limit reached, no connection, timeout, 429, 5xx, a body that is not a
 * profile) is `Unknown`, which the auth plugin treats as not premium: the player gets the
 * password flow rather than waiting on Mojang. Known answers are cached (AnswerCache.ts);
 * `Unknown` is not, so the next login asks again.
 *
 * A name that is not a valid Minecraft name (1-16 of `A-Z a-z 0-9 _`) cannot be premium: it is
 * answered without a request (no token spent, nothing odd put in the URL path).
 */
import { Clock, Data, Duration, Effect, Option, Schema, Stream } from "effect"
import * as HttpClient from "effect/http/HttpClient"
import * as HttpClientRequest from "effect/http/HttpClientRequest"
import type { HttpClientResponse } from "effect/http/HttpClientResponse"
import { makeBucketTable } from "../../security/TokenBucket.ts"
import { AnswerCache } from "./AnswerCache.ts"

export type PremiumAnswer = Data.TaggedEnum<{
  Premium: { readonly id: string }
  NotPremium: {}
  Unknown: { readonly reason: string }
}>
export const PremiumAnswer = Data.taggedEnum<PremiumAnswer>()

export interface PremiumApiSettings {
  /** Base URL, `https://api.mojang.com` by default. */
  readonly profileApi: string
  readonly timeout: Duration.Duration
  readonly cacheTtl: Duration.Duration
  readonly cacheSize: number
  /** Lookups allowed per `rateLimitWindow` (bucket size and refill). */
  readonly rateLimit: number
  readonly rateLimitWindow: Duration.Duration
}

export interface PremiumLookup {
  readonly lookup: (name: string) => Effect.Effect<PremiumAnswer>
}

/** At most one warning a minute about lookups that could not be made; the rest are counted in it. */
const WARN_INTERVAL_MS = 60_000

const VALID_NAME = /^[A-Za-z0-9_]{1,16}$/

export const profileUrl = (base: string, name: string): string => `${base.replace(/\/+$/, "")}/users/profiles/minecraft/${name}`

const describe = (error: { readonly message: string; readonly cause?: unknown }): string =>
  error.cause instanceof Error && error.cause.message !== "" ? `${error.message}: ${error.cause.message}` : error.message

const decodeProfile = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Struct({ id: Schema.String, name: Schema.String })))

/** The profile's id when `text` is one, else undefined. */
const profileId = (text: string): string | undefined => {
  const profile = decodeProfile(text)
  return Option.isSome(profile) && /^[0-9a-fA-F-]{32,36}$/.test(profile.value.id) ? profile.value.id : undefined
}

/** A profile is about 80 bytes; anything past this is not one, and is not read on. */
const MAX_BODY_BYTES = 16 * 1024

class BodyTooLarge extends Data.TaggedError("BodyTooLarge")<{}> {}

const boundedText = (response: HttpClientResponse) =>
  Stream.runFoldEffect(response.stream, () => ({ parts: [] as Array<Uint8Array>, size: 0 }), (acc, chunk) => {
    acc.parts.push(chunk)
    acc.size += chunk.length
    return acc.size > MAX_BODY_BYTES ? Effect.fail(new BodyTooLarge()) : Effect.succeed(acc)
  }).pipe(Effect.map(({ parts }) => Buffer.concat(parts).toString("utf8")))

/** One request, answered within the timeout. */
const ask = (client: HttpClient.HttpClient, settings: PremiumApiSettings, name: string) =>
  client.execute(HttpClientRequest.get(profileUrl(settings.profileApi, name), { acceptJson: true })).pipe(
    Effect.flatMap((response) =>
      Effect.map(boundedText(response), (text): PremiumAnswer => {
        if (response.status === 204 || response.status === 404) return PremiumAnswer.NotPremium()
        if (response.status !== 200) return PremiumAnswer.Unknown({ reason: `HTTP ${response.status}` })
        const id = profileId(text)
        return id === undefined ? PremiumAnswer.Unknown({ reason: "the answer is not a profile" }) : PremiumAnswer.Premium({ id })
      })
    ),
    Effect.catchTag("BodyTooLarge", () => Effect.succeed(PremiumAnswer.Unknown({ reason: `an answer larger than ${MAX_BODY_BYTES} bytes` }))),
    Effect.catch((e) => Effect.succeed(PremiumAnswer.Unknown({ reason: describe(e) }))),
    Effect.timeoutOrElse({
      duration: settings.timeout,
      orElse: () => Effect.succeed(PremiumAnswer.Unknown({ reason: `no answer within ${Duration.format(settings.timeout)}` }))
    })
  )

export const makePremiumLookup = (settings: PremiumApiSettings) =>
  Effect.gen(function*() {
    const client = yield* HttpClient.HttpClient
    const cache = new AnswerCache<PremiumAnswer>(settings.cacheSize, Duration.toMillis(settings.cacheTtl))
    // One bucket (this proxy's address is what Mojang counts): the proxy's own GCRA table.
    const bucket = makeBucketTable(1)
    const windowMs = Duration.toMillis(settings.rateLimitWindow)
    let lastWarning = -Infinity
    let unwarned = 0

    /** Logs why a player was treated as cracked: a warning at most once a minute, debug otherwise. */
    const noAnswer = (name: string, reason: string, now: number) => {
      unwarned++
      if (now - lastWarning < WARN_INTERVAL_MS) return Effect.logDebug(`premium lookup for ${name} not made: ${reason}`)
      const before = unwarned - 1
      lastWarning = now
      unwarned = 0
      const more = before > 0 ? `; ${before} more since the last warning` : ""
      return Effect.logWarning(`premium lookup for ${name} not made (${reason}); treated as cracked (password flow)${more}`)
    }

    const lookup = (name: string): Effect.Effect<PremiumAnswer> =>
      Effect.gen(function*() {
        if (!VALID_NAME.test(name)) return PremiumAnswer.NotPremium()
        const key = name.toLowerCase()
        const now = yield* Clock.currentTimeMillis
        const cached = cache.get(key, now)
        if (cached !== undefined) return cached
        if (bucket.take("mojang", now, settings.rateLimit, windowMs) !== 0) {
          yield* noAnswer(name, `the rate limit of ${settings.rateLimit} per ${Duration.format(settings.rateLimitWindow)} is reached`, now)
          return PremiumAnswer.Unknown({ reason: "rate limited" })
        }
        const answer = yield* ask(client, settings, name)
        const after = yield* Clock.currentTimeMillis
        if (answer._tag === "Unknown") yield* noAnswer(name, answer.reason, after)
        else cache.set(key, answer, after)
        return answer
      })

    return { lookup } satisfies PremiumLookup
  })
