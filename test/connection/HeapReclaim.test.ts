/**
 * When the proxy runs a full collection (HeapReclaim.ts): after a flood of connections has gone,
 * never during one, never for ordinary traffic, and not at start-up.
 */
import { assert, describe, it } from "@effect/vitest"
import { initialReclaim, MIN_INTERVAL, RECLAIM_DROP, reclaimStep, type ReclaimState } from "../../src/connection/HeapReclaim.ts"

/** Feeds one sample a second from `start`; returns the seconds at which a collection ran. */
const run = (counts: ReadonlyArray<number>, start = 0, state: ReclaimState = initialReclaim) => {
  const at: Array<number> = []
  let s = state
  counts.forEach((live, i) => {
    const step = reclaimStep(s, live, start + i * 1000)
    s = step.state
    if (step.collect) at.push(i)
  })
  return { at, state: s }
}

const settled = initialReclaim

describe("HeapReclaim", () => {
  it("does not collect while the count stays put (start-up, an idle proxy)", () => {
    assert.deepStrictEqual(run(Array.from({ length: 60 }, () => 5)).at, [])
  })

  it("never collects for ordinary traffic below the threshold", () => {
    const counts = Array.from({ length: 120 }, (_, i) => (i % 10) * Math.floor((RECLAIM_DROP - 1) / 9))
    assert.deepStrictEqual(run(counts, 100_000, settled).at, [])
  })

  it("collects once a flood has gone and the count stopped falling", () => {
    // Up to 5,000, held, then torn down over 3 s, then quiet.
    const counts = [0, 2000, 5000, 5000, 5000, 3000, 1000, 0, 0, 0, 0]
    const { at } = run(counts, 100_000, settled)
    assert.deepStrictEqual(at, [8])
  })

  it("at most one collection per MIN_INTERVAL while floods come and go", () => {
    const wave = [5000, 0, 0]
    const counts = Array.from({ length: 30 }, (_, i) => wave[i % 3]!)
    const { at } = run(counts, 100_000, settled)
    assert.isAbove(at.length, 1)
    for (let i = 1; i < at.length; i++) assert.isAtLeast((at[i]! - at[i - 1]!) * 1000, MIN_INTERVAL)
  })

  it("counts the drop from the high-water mark since the last collection", () => {
    // A flood that leaves a residue: 6,000 → 4,500 is a drop of 1,500.
    const { at } = run([6000, 6000, 4500, 4500, 4500], 100_000, settled)
    assert.deepStrictEqual(at, [3])
  })
})
