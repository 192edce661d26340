/**
 * The rate-limit buckets worker threads share: the same decisions as the one-process table for
 * any sequence of requests, exact when threads race for a client's last tokens, bounded when
 * more clients arrive than it has room for, and swept without changing a decision.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import { Worker } from "node:worker_threads"
import { sharedBucketMemory, sharedBucketTable } from "../../src/security/SharedBucketTable.ts"
import { makeBucketTable } from "../../src/security/TokenBucket.ts"

describe("SharedBucketTable", () => {
  it("decides every request as the Map table does (and counts the same refusals)", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.integer({ min: 1, max: 60_000 }),
      fc.array(fc.record({ client: fc.integer({ min: 0, max: 40 }), gap: fc.integer({ min: 0, max: 3_000 }), sweep: fc.boolean() }), { maxLength: 400 }),
      (limit, windowMs, requests) => {
        const shared = sharedBucketTable(sharedBucketMemory(1024))
        const plain = makeBucketTable(10_000)
        let now = 0
        for (const { client, gap, sweep } of requests) {
          now += gap
          const key = client % 2 === 0 ? `10.0.0.${client}` : `2001:db8:${client}::/64`
          assert.strictEqual(shared.take(key, now, limit, windowMs), plain.take(key, now, limit, windowMs))
          // A new key may reuse the slot of one whose time has passed (the Map keeps both until
          // a sweep): the shared table never holds more, and after a sweep both hold the same.
          assert.isAtMost(shared.size(), plain.size())
          if (sweep) {
            shared.sweep(now)
            plain.sweep(now)
            assert.strictEqual(shared.size(), plain.size())
          }
        }
        assert.strictEqual(shared.takeRefused(), plain.takeRefused())
        assert.strictEqual(shared.takeRefused(), 0)
      }
    ))
  })

  it("0 as limit or window is unlimited and stores nothing", () => {
    const table = sharedBucketTable(sharedBucketMemory(64))
    for (let i = 0; i < 100; i++) assert.strictEqual(table.take("1.2.3.4", 0, 0, 1000) + table.take("1.2.3.4", 0, 5, 0), 0)
    assert.strictEqual(table.size(), 0)
  })

  it("more clients than slots: every request is still decided, the table stays its size", () => {
    const table = sharedBucketTable(sharedBucketMemory(64))
    for (let i = 0; i < 1000; i++) assert.strictEqual(table.take(`10.1.${i >> 8}.${i & 255}`, 0, 1, 60_000), 0)
    assert.isAtMost(table.size(), 64)
    // A client seen last still has its bucket: its second request in the window is refused.
    assert.isAbove(table.take("10.1.3.231", 0, 1, 60_000), 0)
    // Once every time has passed, a sweep empties it.
    const held = table.size()
    assert.strictEqual(table.sweep(120_000), held)
    assert.strictEqual(table.size(), 0)
    assert.strictEqual(table.take("10.1.3.231", 120_000, 1, 60_000), 0)
  })

  it.live("4 threads racing for one client's 1000 tokens get exactly 1000 between them", () =>
    Effect.gen(function*() {
      const buffer = sharedBucketMemory(1024)
      const go = new SharedArrayBuffer(4)
      const workers = Array.from({ length: 4 }, () =>
        new Worker(new URL("./support/BucketRacer.ts", import.meta.url), { workerData: { buffer, go, key: "203.0.113.7", limit: 1000 } }))
      yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all(workers.map((w) => w.terminate()))))
      const messages = workers.map((w) => {
        const queue: Array<unknown> = []
        let wake: (() => void) | undefined
        w.on("message", (m) => (queue.push(m), wake?.()))
        const next = () => new Promise<unknown>((resolve, reject) => {
          w.once("error", reject)
          const poll = () => (queue.length > 0 ? resolve(queue.shift()) : (wake = poll))
          poll()
        })
        return next
      })
      // Every thread parked on the flag, then all released at once.
      yield* Effect.promise(() => Promise.all(messages.map((next) => next())))
      Atomics.store(new Int32Array(go), 0, 1)
      Atomics.notify(new Int32Array(go), 0)
      const taken = (yield* Effect.promise(() => Promise.all(messages.map((next) => next())))) as Array<number>
      assert.strictEqual(taken.reduce((x, y) => x + y, 0), 1000, `per thread: ${taken.join(", ")}`)
      assert.strictEqual(sharedBucketTable(buffer).takeRefused(), 4 * 20_000)
    }), { timeout: 20_000 })
})
