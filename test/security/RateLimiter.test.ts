/**
 * `[rate_limit]` under a TestClock: the login and status buckets are separate, refill one
 * token per window/max, 0 disables a bucket, IPv6 clients can share a /64, idle keys are
 * swept and the key count never passes its cap.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Ref } from "effect"
import { TestClock } from "effect/testing"
import fc from "fast-check"
import type { RateLimitConfig } from "../../src/config/GlobalTables.ts"
import { formatRetryAfter, RateLimiter, SWEEP_INTERVAL } from "../../src/security/RateLimiter.ts"
import { makeBucketTable } from "../../src/security/TokenBucket.ts"
import { captureLogs } from "../support/LogCapture.ts"

const config = (overrides: Partial<RateLimitConfig> = {}): RateLimitConfig => ({
  maxConnections: 3,
  window: Duration.seconds(10),
  statusMax: 5,
  statusWindow: Duration.seconds(10),
  ipv6Prefix: 128,
  ...overrides
})

const limiterWith = (initial: RateLimitConfig, options: { readonly maxKeys?: number } = {}) =>
  Effect.gen(function*() {
    const ref = yield* Ref.make(initial)
    const limiter = yield* RateLimiter.make(Ref.get(ref), options)
    const allowed = (kind: "login" | "status", client: string) =>
      Effect.map(limiter.check(kind, client), (d) => d._tag === "Allowed")
    const burst = (kind: "login" | "status", client: string, n: number) =>
      Effect.forEach(Array.from({ length: n }), () => allowed(kind, client))
    return { ref, limiter, allowed, burst }
  })

describe("RateLimiter", () => {
  it.effect("the login bucket: a burst of max_connections, then one token per window/max", () =>
    Effect.gen(function*() {
      const { limiter, burst, allowed } = yield* limiterWith(config())
      assert.deepStrictEqual(yield* burst("login", "203.0.113.7", 4), [true, true, true, false])
      const refused = yield* limiter.check("login", "203.0.113.7")
      assert.strictEqual(refused._tag, "Limited")
      if (refused._tag === "Limited") {
        assert.strictEqual(refused.key, "203.0.113.7")
        // 10 s / 3 tokens: the next one is 3.33 s away.
        assert.isTrue(refused.retryAfterMs > 3000 && refused.retryAfterMs <= 3334, String(refused.retryAfterMs))
      }
      yield* TestClock.adjust("3 seconds")
      assert.isFalse(yield* allowed("login", "203.0.113.7"))
      yield* TestClock.adjust("334 millis")
      assert.isTrue(yield* allowed("login", "203.0.113.7"))
      assert.isFalse(yield* allowed("login", "203.0.113.7"))
      // A full window refills the whole burst.
      yield* TestClock.adjust("10 seconds")
      assert.deepStrictEqual(yield* burst("login", "203.0.113.7", 4), [true, true, true, false])
    }))

  it.effect("the status bucket is separate: a ping flood does not use up logins", () =>
    Effect.gen(function*() {
      const { burst } = yield* limiterWith(config())
      assert.deepStrictEqual(yield* burst("status", "198.51.100.1", 7), [true, true, true, true, true, false, false])
      assert.deepStrictEqual(yield* burst("login", "198.51.100.1", 3), [true, true, true])
      // Other addresses have their own buckets.
      assert.deepStrictEqual(yield* burst("status", "198.51.100.2", 5), [true, true, true, true, true])
      yield* TestClock.adjust("2 seconds") // 10 s / 5: one status token
      assert.deepStrictEqual(yield* burst("status", "198.51.100.1", 2), [true, false])
    }))

  it.effect("0 disables a bucket (Infrarust turns 0 into 1); settings apply live", () =>
    Effect.gen(function*() {
      const { ref, burst, limiter } = yield* limiterWith(config({ maxConnections: 0, statusMax: 0 }))
      assert.isTrue((yield* burst("login", "192.0.2.1", 500)).every((a) => a))
      assert.isTrue((yield* burst("status", "192.0.2.1", 500)).every((a) => a))
      assert.deepStrictEqual(yield* limiter.tracked, { login: 0, status: 0 }, "a disabled bucket stores nothing")
      // An edit of infrarust.toml: the next check uses it.
      yield* Ref.set(ref, config({ maxConnections: 1 }))
      assert.deepStrictEqual(yield* burst("login", "192.0.2.1", 2), [true, false])
      yield* Ref.set(ref, config({ maxConnections: 0 }))
      assert.isTrue((yield* burst("login", "192.0.2.1", 10)).every((a) => a))
    }))

  it.effect("ipv6_prefix = 64 puts one subscriber's addresses in one bucket; IPv4 stays per address", () =>
    Effect.gen(function*() {
      const { burst, allowed } = yield* limiterWith(config({ ipv6Prefix: 64 }))
      assert.deepStrictEqual(yield* burst("login", "2001:db8:1:2::1", 3), [true, true, true])
      assert.isFalse(yield* allowed("login", "2001:db8:1:2:ffff::9"), "same /64")
      assert.isTrue(yield* allowed("login", "2001:db8:1:3::1"), "another /64")
      // IPv4, written plainly or mapped, is one client per address.
      assert.deepStrictEqual(yield* burst("login", "192.0.2.10", 3), [true, true, true])
      assert.isFalse(yield* allowed("login", "::ffff:192.0.2.10"))
      assert.isTrue(yield* allowed("login", "192.0.2.11"))
      const { burst: burst128 } = yield* limiterWith(config())
      assert.deepStrictEqual(yield* burst128("login", "2001:db8:1:2::1", 4), [true, true, true, false])
      assert.deepStrictEqual(yield* burst128("login", "2001:db8:1:2::2", 1), [true], "/128: every address is a client")
    }))

  it.effect("idle keys are swept by the background task; memory follows the live flood, not its history", () =>
    Effect.gen(function*() {
      const { limiter, burst } = yield* limiterWith(config())
      for (let i = 0; i < 2000; i++) yield* burst(i % 2 === 0 ? "login" : "status", `10.0.${i >> 8}.${i & 255}`, 1)
      assert.deepStrictEqual(yield* limiter.tracked, { login: 1000, status: 1000 })
      // One token of a 3-per-10 s bucket is back after 3.33 s; the bucket is then as good as new.
      yield* TestClock.adjust(SWEEP_INTERVAL)
      assert.deepStrictEqual(yield* limiter.tracked, { login: 0, status: 0 })
      // A key still owing time survives the sweep (forgetting it would reset its limit).
      yield* burst("login", "10.9.9.9", 3)
      yield* TestClock.adjust("9 seconds")
      yield* limiter.sweep
      assert.strictEqual((yield* limiter.tracked).login, 1)
      yield* TestClock.adjust("1 second")
      yield* limiter.sweep
      assert.strictEqual((yield* limiter.tracked).login, 0)
    }))

  it.effect("the key count is capped: the oldest key makes room", () =>
    Effect.gen(function*() {
      const { limiter, burst } = yield* limiterWith(config(), { maxKeys: 100 })
      for (let i = 0; i < 1000; i++) yield* burst("login", `172.16.${i >> 8}.${i & 255}`, 1)
      assert.strictEqual((yield* limiter.tracked).login, 100)
    }))

  it.effect("refusals are summed up in one Info line a minute, not one per refusal", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const { burst } = yield* limiterWith(config())
      yield* burst("login", "203.0.113.50", 10)
      yield* burst("status", "203.0.113.51", 25)
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(logs.lines, [], "nothing before the minute is over")
      yield* TestClock.adjust("30 seconds")
      assert.deepStrictEqual(logs.lines.map((l) => [l.level, l.message]), [[
        "Info",
        "rate limit: refused 7 login(s) and 20 status ping(s) in the last 1 min (0 + 0 addresses tracked)"
      ]])
      yield* TestClock.adjust("2 minutes")
      assert.strictEqual(logs.lines.length, 1, "quiet minutes log nothing")
    }).pipe(Effect.provide(logs.layer))
  })

  it("formats the wait for the kick message", () => {
    assert.strictEqual(formatRetryAfter(1), "1 second")
    assert.strictEqual(formatRetryAfter(3334), "4 seconds")
    assert.strictEqual(formatRetryAfter(61_000), "2 minutes")
  })
})

describe("TokenBucket", () => {
  it("never allows more than limit + elapsed/interval tokens, whatever the request times", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }),
        (limit, windowMs, gaps) => {
          const table = makeBucketTable(10)
          let now = 1_000_000
          let granted = 0
          for (const gap of gaps) {
            now += gap
            if (table.take("k", now, limit, windowMs) === 0) granted++
          }
          const elapsed = now - 1_000_000
          return granted <= limit + Math.floor(elapsed / (windowMs / limit)) + 1
        }
      ),
      { numRuns: 200 }
    )
  })

  it("a refusal says exactly when the next token comes", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 10, max: 60_000 }), (limit, windowMs) => {
        const table = makeBucketTable(10)
        for (let i = 0; i < limit; i++) if (table.take("k", 0, limit, windowMs) !== 0) return false
        const wait = table.take("k", 0, limit, windowMs)
        return wait > 0 && table.take("k", wait - 1, limit, windowMs) > 0 && table.take("k", wait, limit, windowMs) === 0
      }),
      { numRuns: 200 }
    )
  })
})
