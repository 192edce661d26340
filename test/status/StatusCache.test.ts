/**
 * The status cache under a TestClock: ttl, max_entries eviction (LRU), one fetch for 50
 * concurrent lookups, stale-while-revalidate, grace while the backend is down, then the
 * unreachable answer; cross-protocol answers by version name; invalidation; peek never fetches.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Ref } from "effect"
import { TestClock } from "effect/testing"
import { type CachePolicy, type FetchOutcome, makeStatusCache, OFFLINE, UNREACHABLE } from "../../src/status/StatusCache.ts"
import { parseStatus, type StatusSnapshot } from "../../src/status/StatusSnapshot.ts"

const policy = (overrides: Partial<CachePolicy> = {}): CachePolicy => ({
  ttl: Duration.seconds(5),
  grace: Duration.seconds(60),
  maxEntries: 1000,
  ...overrides
})

const snapshot = (name: string, protocol = 765, motd = "hello"): StatusSnapshot => {
  const s = parseStatus(JSON.stringify({ version: { name, protocol }, players: { max: 20, online: 1 }, description: motd }))
  if (typeof s === "string") throw new Error(s)
  return s
}

/** A fetch that takes `latency`, counts its runs and returns what `next` holds. */
const fakeBackend = Effect.gen(function*() {
  const runs = yield* Ref.make(0)
  const next = yield* Ref.make<FetchOutcome>({ _tag: "Status", snapshot: snapshot("1.20.4") })
  const fetch = (latency: Duration.Input = "100 millis") =>
    Effect.gen(function*() {
      yield* Ref.update(runs, (n) => n + 1)
      yield* Effect.sleep(latency)
      return yield* Ref.get(next)
    })
  return { runs: Ref.get(runs), set: (o: FetchOutcome) => Ref.set(next, o), fetch }
})

const key = { server: "lobby", protocol: 765 }

const motdOf = (outcome: FetchOutcome): string =>
  outcome._tag === "Status" ? String(outcome.snapshot.body["description"]) : outcome._tag

describe("StatusCache", () => {
  it.effect("ttl: a fresh entry is a hit; after ttl the next lookup refreshes it", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy()))
      const backend = yield* fakeBackend
      const first = yield* Effect.forkChild(cache.lookup(key, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* Fiber.join(first)).source, "miss")
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual((yield* cache.lookup(key, backend.fetch())).source, "hit")
      assert.strictEqual(yield* backend.runs, 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* cache.lookup(key, backend.fetch())).source, "stale")
      yield* Effect.yieldNow
      assert.strictEqual(yield* backend.runs, 2)
    }))

  it.effect("single flight: 50 concurrent lookups of one key run one fetch and all get its answer", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy()))
      const backend = yield* fakeBackend
      const fibers = yield* Effect.forEach(Array.from({ length: 50 }), () => Effect.forkChild(cache.lookup(key, backend.fetch("1 second"))))
      yield* TestClock.adjust("1 second")
      const results = yield* Effect.forEach(fibers, Fiber.join)
      assert.strictEqual(yield* backend.runs, 1)
      assert.isTrue(results.every((r) => r.source === "miss" && motdOf(r.outcome) === "hello"))
    }))

  it.effect("stale-while-revalidate: expired entries answer at once while one refresh runs", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy()))
      const backend = yield* fakeBackend
      yield* Effect.forkChild(cache.lookup(key, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      yield* backend.set({ _tag: "Status", snapshot: snapshot("1.20.4", 765, "updated") })
      yield* TestClock.adjust("6 seconds")
      // The refresh takes 2 s; 20 lookups meanwhile all get the old response, one fetch runs.
      for (let i = 0; i < 20; i++) {
        const r = yield* cache.lookup(key, backend.fetch("2 seconds"))
        assert.strictEqual(r.source, "stale")
        assert.strictEqual(motdOf(r.outcome), "hello")
        yield* Effect.yieldNow
      }
      assert.strictEqual(yield* backend.runs, 2)
      yield* TestClock.adjust("2 seconds")
      const after = yield* cache.lookup(key, backend.fetch())
      assert.strictEqual(after.source, "hit")
      assert.strictEqual(motdOf(after.outcome), "updated")
    }))

  it.effect("grace: a down backend's last good response is served until ttl + grace, then unreachable; one fetch per ttl", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy({ ttl: Duration.seconds(5), grace: Duration.seconds(30) })))
      const backend = yield* fakeBackend
      yield* Effect.forkChild(cache.lookup(key, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      yield* backend.set(UNREACHABLE)
      const seen: Array<string> = []
      // Ping every second for 40 s while the backend is down.
      for (let t = 1; t <= 40; t++) {
        yield* TestClock.adjust("990 millis")
        const ping = yield* Effect.forkChild(cache.lookup(key, backend.fetch("10 millis")))
        yield* TestClock.adjust("10 millis")
        const r = yield* Fiber.join(ping)
        seen.push(`${r.source}:${motdOf(r.outcome)}`)
      }
      // Ping i sees a response i - 0.01 s old: fresh below 5 s, stale below 35 s, then gone.
      assert.deepStrictEqual(seen.slice(0, 5), Array(5).fill("hit:hello"))
      assert.deepStrictEqual(seen.slice(5, 35), Array(30).fill("stale:hello"))
      assert.isTrue(seen.slice(35).every((s) => s === "hit:Unreachable" || s === "miss:Unreachable"), seen.slice(35).join())
      // One attempt at expiry, then at most one per ttl while down: about 40/5, never per ping.
      const runs = yield* backend.runs
      assert.isAtMost(runs, 1 + Math.ceil(40 / 5) + 1)
      assert.isAtLeast(runs, 5)
    }))

  it.effect("unreachable: with nothing cached a failed fetch answers unreachable, remembered for ttl for every key of the server", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy()))
      const backend = yield* fakeBackend
      yield* backend.set(UNREACHABLE)
      const first = yield* Effect.forkChild(cache.lookup(key, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      assert.deepStrictEqual(yield* Fiber.join(first), { source: "miss", outcome: UNREACHABLE })
      // Other protocols of the same server do not dial the dead backend again within ttl.
      for (const protocol of [47, 340, 769, -1]) {
        const r = yield* cache.lookup({ server: "lobby", protocol }, backend.fetch())
        assert.deepStrictEqual(r, { source: "hit", outcome: UNREACHABLE })
      }
      assert.strictEqual(yield* backend.runs, 1)
      yield* TestClock.adjust("5 seconds")
      yield* backend.set({ _tag: "Status", snapshot: snapshot("1.20.4") })
      const retried = yield* Effect.forkChild(cache.lookup(key, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* Fiber.join(retried)).outcome._tag, "Status")
      assert.strictEqual(yield* backend.runs, 2)
    }))

  it.effect("offline (known down) is not papered over with a stale response", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy()))
      const backend = yield* fakeBackend
      yield* Effect.forkChild(cache.lookup(key, backend.fetch()))
      yield* TestClock.adjust("6 seconds")
      yield* backend.set(OFFLINE)
      assert.strictEqual((yield* cache.lookup(key, backend.fetch("10 millis"))).source, "stale")
      yield* TestClock.adjust("10 millis")
      assert.deepStrictEqual(yield* cache.lookup(key, backend.fetch()), { source: "hit", outcome: OFFLINE })
    }))

  it.effect("max_entries: the least recently used entry is evicted", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy({ maxEntries: 2 })))
      const backend = yield* fakeBackend
      const fill = (server: string) =>
        Effect.gen(function*() {
          const f = yield* Effect.forkChild(cache.lookup({ server, protocol: 765 }, backend.fetch()))
          yield* TestClock.adjust("100 millis")
          yield* Fiber.join(f)
        })
      yield* fill("a")
      yield* fill("b")
      // Use "a" so that "b" is the least recently used when "c" arrives.
      assert.strictEqual((yield* cache.lookup({ server: "a", protocol: 765 }, backend.fetch())).source, "hit")
      yield* fill("c")
      assert.strictEqual(yield* cache.size, 2)
      assert.isDefined(yield* cache.peek({ server: "a", protocol: 765 }))
      assert.isUndefined(yield* cache.peek({ server: "b", protocol: 765 }))
      assert.isDefined(yield* cache.peek({ server: "c", protocol: 765 }))
      assert.strictEqual(yield* backend.runs, 3)
    }))

  it.effect("compatible by name: a fresh entry of a multi-version backend answers other covered protocols", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy()))
      const backend = yield* fakeBackend
      yield* backend.set({ _tag: "Status", snapshot: snapshot("Velocity 3.3.0 (1.7.2-1.21.4)", 769) })
      const first = yield* Effect.forkChild(cache.lookup({ server: "lobby", protocol: 769 }, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      yield* Fiber.join(first)
      for (const protocol of [5, 47, 340, 754, 765]) {
        const r = yield* cache.lookup({ server: "lobby", protocol }, backend.fetch())
        assert.strictEqual(r.source, "hit")
      }
      assert.strictEqual(yield* backend.runs, 1)
      // 1.21.5 (770) is outside the name's range: its own fetch.
      const other = yield* Effect.forkChild(cache.lookup({ server: "lobby", protocol: 770 }, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* Fiber.join(other)).source, "miss")
      assert.strictEqual(yield* backend.runs, 2)
    }))

  it.effect("a single-version backend does not answer other releases' keys", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy()))
      const backend = yield* fakeBackend
      const first = yield* Effect.forkChild(cache.lookup(key, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      yield* Fiber.join(first)
      assert.isUndefined(yield* cache.peek({ server: "lobby", protocol: 47 }))
    }))

  it.effect("peek never fetches; invalidateServer drops a server's entries", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy()))
      const backend = yield* fakeBackend
      assert.isUndefined(yield* cache.peek(key))
      const first = yield* Effect.forkChild(cache.lookup(key, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      yield* Fiber.join(first)
      yield* TestClock.adjust("10 seconds")
      assert.strictEqual((yield* cache.peek(key))?.source, "stale")
      assert.strictEqual(yield* backend.runs, 1)
      yield* cache.invalidateServer("lobby")
      assert.isUndefined(yield* cache.peek(key))
      assert.strictEqual(yield* cache.size, 0)
    }))

  it.effect("a client that hangs up does not cancel the fetch others wait for", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy()))
      const backend = yield* fakeBackend
      const quitter = yield* Effect.forkChild(cache.lookup(key, backend.fetch("1 second")))
      const waiter = yield* Effect.forkChild(cache.lookup(key, backend.fetch("1 second")))
      yield* TestClock.adjust("100 millis")
      yield* Fiber.interrupt(quitter)
      yield* TestClock.adjust("1 second")
      assert.strictEqual((yield* Fiber.join(waiter)).outcome._tag, "Status")
      assert.strictEqual(yield* backend.runs, 1)
    }))

  it.effect("ttl 0: nothing is reused, but concurrent lookups still share one fetch", () =>
    Effect.gen(function*() {
      const cache = yield* makeStatusCache(Effect.succeed(policy({ ttl: Duration.zero, grace: Duration.zero })))
      const backend = yield* fakeBackend
      const fibers = yield* Effect.forEach(Array.from({ length: 10 }), () => Effect.forkChild(cache.lookup(key, backend.fetch())))
      yield* TestClock.adjust("100 millis")
      yield* Effect.forEach(fibers, Fiber.join)
      assert.strictEqual(yield* backend.runs, 1)
      const again = yield* Effect.forkChild(cache.lookup(key, backend.fetch()))
      yield* TestClock.adjust("100 millis")
      assert.strictEqual((yield* Fiber.join(again)).source, "miss")
      assert.strictEqual(yield* backend.runs, 2)
    }))
})
