/**
 * `[rate_limit]`: per-client token buckets, one table for logins and one for status pings, so
 * a ping flood can never use up the tokens of real joins (mc-router's single global bucket
 * can). Keys are the client address after PROXY protocol resolution; IPv6 clients share a key
 * per `/ipv6_prefix` network (IPv4 clients are always keyed by their own address).
 *
 * `max_connections = 0` / `status_max = 0` disable that bucket, as Infrarust's documentation
 * says (its code turns 0 into 1). The settings are read on every check, so edits to
 * `infrarust.toml` apply to the next connection.
 *
 * Memory stays bounded: idle keys are swept every {@link SWEEP_INTERVAL} and each table is
 * capped at {@link MAX_TRACKED_KEYS} (see TokenBucket.ts). Refusals are logged by the caller at
 * Debug; this service adds one Info line per {@link SUMMARY_INTERVAL} while refusals happen,
 * so a flood is visible without flooding the log.
 */
import { Clock, Context, Duration, Effect, Layer, Schedule, SubscriptionRef } from "effect"
import type { RateLimitConfig } from "../config/GlobalTables.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ipv6Prefix } from "../address/Cidr.ts"
import { type BucketTable, makeBucketTable } from "./TokenBucket.ts"

export type RateKind = "login" | "status"

export type RateDecision =
  | { readonly _tag: "Allowed" }
  | {
    readonly _tag: "Limited"
    readonly kind: RateKind
    /** The bucket key: the address, or its IPv6 network. */
    readonly key: string
    /** Milliseconds until the bucket has a token again. */
    readonly retryAfterMs: number
  }

/** How often idle keys are dropped. */
export const SWEEP_INTERVAL = Duration.seconds(10)
/** How often, at most, the Info summary of refusals is written. */
export const SUMMARY_INTERVAL = Duration.minutes(1)
/** Keys per table; ~100 bytes each, so about 10 MB per table at the cap. */
export const MAX_TRACKED_KEYS = 100_000

export interface RateLimiterOptions {
  readonly maxKeys?: number
  /** The buckets, when not this limiter's own Maps (worker threads share SharedBucketTable.ts). */
  readonly tables?: RateTables | undefined
  /** false: no periodic sweep and summary here (a worker: the coordinator does both). */
  readonly background?: boolean
}

export interface RateTables {
  readonly login: BucketTable
  readonly status: BucketTable
}

const allowed: RateDecision = { _tag: "Allowed" }

/** The `kind` bucket's size under `config`; 0 = that bucket is off (every check is allowed). */
const limitOf = (kind: RateKind, config: RateLimitConfig): number => kind === "login" ? config.maxConnections : config.statusMax

export class RateLimiter extends Context.Service<RateLimiter, {
  /** Takes a token for `client` (an address as text) from the `kind` bucket. */
  readonly check: (kind: RateKind, client: string) => Effect.Effect<RateDecision>
  /**
   * {@link check} with the settings and the time at hand, in one synchronous call (the
   * cached-status shortcut, connection/StatusShortcut.ts); absent where the buckets live in
   * another thread.
   */
  readonly checkNow?: (kind: RateKind, client: string, config: RateLimitConfig, now: number) => RateDecision
  /** Keys currently tracked per table (an Effect: a worker thread asks the coordinator's limiter). */
  readonly tracked: Effect.Effect<{ readonly login: number; readonly status: number }>
  /** Drops idle keys now (the periodic sweep does the same). */
  readonly sweep: Effect.Effect<void>
}>()("infrarust/security/RateLimiter") {
  /**
   * A limiter reading its settings from `settings` on every check (a plain read where it can:
   * every login and ping checks); sweeps in the background.
   */
  static readonly make = Effect.fnUntraced(function*(
    settings: Effect.Effect<RateLimitConfig> | (() => RateLimitConfig),
    options: RateLimiterOptions = {}
  ) {
    const maxKeys = options.maxKeys ?? MAX_TRACKED_KEYS
    const tables = options.tables ?? { login: makeBucketTable(maxKeys), status: makeBucketTable(maxKeys) }
    // Refusals since the last summary (the tables count them: a worker's refusals count here too).
    const refused = { login: 0, status: 0 }
    let lastSummary = yield* Clock.currentTimeMillis

    const checkNow = (kind: RateKind, client: string, config: RateLimitConfig, now: number): RateDecision => {
      const limit = limitOf(kind, config)
      if (limit === 0) return allowed
      const windowMs = Duration.toMillis(kind === "login" ? config.window : config.statusWindow)
      const key = ipv6Prefix(client, config.ipv6Prefix)
      const wait = tables[kind].take(key, now, limit, windowMs)
      if (wait === 0) return allowed
      return { _tag: "Limited", kind, key, retryAfterMs: wait }
    }
    const check = typeof settings === "function"
      ? (kind: RateKind, client: string): Effect.Effect<RateDecision> =>
        Effect.withFiberSucceed((fiber) => checkNow(kind, client, settings(), fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()))
      : (kind: RateKind, client: string): Effect.Effect<RateDecision> =>
        Effect.flatMap(settings, (config) => Effect.map(Clock.currentTimeMillis, (now) => checkNow(kind, client, config, now)))

    const sweep = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      tables.login.sweep(now)
      tables.status.sweep(now)
      refused.login += tables.login.takeRefused()
      refused.status += tables.status.takeRefused()
      if (now - lastSummary < Duration.toMillis(SUMMARY_INTERVAL)) return
      const minutes = Math.max(1, Math.round((now - lastSummary) / 60_000))
      lastSummary = now
      if (refused.login === 0 && refused.status === 0) return
      yield* Effect.logInfo(
        `rate limit: refused ${refused.login} login(s) and ${refused.status} status ping(s) in the last ${minutes} min ` +
          `(${tables.login.size()} + ${tables.status.size()} addresses tracked)`
      )
      refused.login = 0
      refused.status = 0
    })

    if (options.background !== false) {
      yield* sweep.pipe(Effect.repeat(Schedule.spaced(SWEEP_INTERVAL)), Effect.delay(SWEEP_INTERVAL), Effect.forkScoped)
    }

    return RateLimiter.of({
      check,
      checkNow,
      tracked: Effect.sync(() => ({ login: tables.login.size(), status: tables.status.size() })),
      sweep
    })
  })

  /** Reads `[rate_limit]` from the live global config. */
  static readonly layer = RateLimiter.layerWith(undefined)

  /** {@link layer} over given buckets (the coordinator's: shared with its workers). */
  static layerWith(tables: RateTables | undefined) {
    return Layer.effect(
      RateLimiter,
      Effect.gen(function*() {
        const store = yield* ProxyConfigStore
        return yield* RateLimiter.make(() => SubscriptionRef.getUnsafe(store.config).rateLimit, { tables })
      })
    )
  }
}

/** "4s", "1 min 5s": how long a refused player should wait, for the kick message. */
export const formatRetryAfter = (ms: number): string => {
  const seconds = Math.max(1, Math.ceil(ms / 1000))
  if (seconds < 60) return `${seconds} second${seconds === 1 ? "" : "s"}`
  const minutes = Math.ceil(seconds / 60)
  return `${minutes} minute${minutes === 1 ? "" : "s"}`
}
