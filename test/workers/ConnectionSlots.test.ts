/**
 * The shared connection counter behind the global `max_connections`: exact under a race of
 * real threads, slots given back on close, and a dead worker's slots reclaimed.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { Worker } from "node:worker_threads"
import { makeSlots } from "../../src/workers/ConnectionSlots.ts"

describe("ConnectionSlots", () => {
  it("takes up to the cap, gives back, reclaims a worker's slots, counts accepts", () => {
    const slots = makeSlots(2, 3)
    const a = slots.forWorker(0)
    const b = slots.forWorker(1)
    assert.deepStrictEqual([a.take(), b.take(), a.take(), b.take()], [true, true, true, false])
    assert.deepStrictEqual(slots.live(), { total: 3, perWorker: [2, 1] })
    b.give()
    assert.isTrue(a.take())
    assert.deepStrictEqual(slots.live(), { total: 3, perWorker: [3, 0] })
    assert.strictEqual(slots.reclaim(0), 3)
    assert.deepStrictEqual(slots.live(), { total: 0, perWorker: [0, 0] })
    assert.deepStrictEqual(slots.accepted(), [3, 2])
  })

  it("0 = no cap, still counted", () => {
    const slots = makeSlots(1, 0)
    const view = slots.forWorker(0)
    for (let i = 0; i < 1000; i++) assert.isTrue(view.take())
    assert.strictEqual(slots.live().total, 1000)
  })

  it.live("4 threads racing for 1000 slots get exactly 1000 between them", () =>
    Effect.gen(function*() {
      const slots = makeSlots(4, 1000)
      const go = new SharedArrayBuffer(4)
      const workers = Array.from({ length: 4 }, (_, index) =>
        new Worker(new URL("./support/SlotsHammer.ts", import.meta.url), { workerData: { buffer: slots.buffer, index, go } }))
      yield* Effect.addFinalizer(() => Effect.promise(() => Promise.all(workers.map((w) => w.terminate()))))
      const results = workers.map((w) => new Promise<number>((resolve, reject) => (w.once("message", resolve), w.once("error", reject))))
      // Give the threads time to load and park on the flag, then release them together.
      yield* Effect.sleep("500 millis")
      Atomics.store(new Int32Array(go), 0, 1)
      Atomics.notify(new Int32Array(go), 0)
      const taken = yield* Effect.promise(() => Promise.all(results))
      assert.strictEqual(taken.reduce((x, y) => x + y, 0), 1000, `per thread: ${taken.join(", ")}`)
      assert.deepStrictEqual(slots.live(), { total: 1000, perWorker: taken })
    }), { timeout: 20_000 })
})
