/**
 * The strategies as pure functions: exact round robin (weighted and interleaved), weighted
 * random within a statistical tolerance, least-loaded with weighted ties, and the invariant that
 * every strategy returns a permutation of its input.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import type { BackendTarget, LoadBalancing } from "../../src/config/ServerConfig.ts"
import { makeStrategyState, order, pruneStrategyState } from "../../src/backend/Strategies.ts"

const target = (text: string, weight = 1): BackendTarget => {
  const [host = "", port = "0"] = text.split(":")
  return { host, port: Number(port), text, weight }
}
const a = target("a:1")
const b = target("b:1")
const c = target("c:1")

/** A deterministic uniform generator (mulberry32). */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}

const picks = (
  strategy: LoadBalancing,
  targets: ReadonlyArray<BackendTarget>,
  n: number,
  load: (t: BackendTarget) => number = () => 0,
  random = seeded(7)
) => {
  const state = makeStrategyState()
  const counts: Record<string, number> = {}
  const sequence: Array<string> = []
  for (let i = 0; i < n; i++) {
    const first = order(strategy, targets, state, { random, load })[0]!.text
    counts[first] = (counts[first] ?? 0) + 1
    sequence.push(first)
  }
  return { counts, sequence }
}

describe("load balancing strategies", () => {
  it("sequential keeps the written order", () => {
    assert.deepStrictEqual(picks("sequential", [a, b, c], 300).counts, { "a:1": 300 })
  })

  it("round_robin is exact: 300 picks over three equal backends give 100 each, in turn", () => {
    const { counts, sequence } = picks("round_robin", [a, b, c], 300)
    assert.deepStrictEqual(counts, { "a:1": 100, "b:1": 100, "c:1": 100 })
    assert.deepStrictEqual(sequence.slice(0, 6), ["a:1", "b:1", "c:1", "a:1", "b:1", "c:1"])
  })

  it("round_robin by weight is exact and interleaved (smooth weighted round robin)", () => {
    const heavy = target("b:1", 3)
    const { counts, sequence } = picks("round_robin", [a, heavy], 300)
    assert.deepStrictEqual(counts, { "a:1": 75, "b:1": 225 })
    // The smooth order for weights 1 and 3 (ties go to the first written): no burst of b.
    assert.deepStrictEqual(sequence.slice(0, 8), ["b:1", "a:1", "b:1", "b:1", "b:1", "a:1", "b:1", "b:1"])
    // nginx's documented example, weights 5, 1, 1.
    const five = picks("round_robin", [target("x:1", 5), target("y:1", 1), target("z:1", 1)], 7).sequence
    assert.deepStrictEqual(five, ["x:1", "x:1", "y:1", "x:1", "z:1", "x:1", "x:1"])
  })

  it("round_robin fails over in written order after the pick", () => {
    const state = makeStrategyState()
    const inputs = { random: Math.random, load: () => 0 }
    assert.deepStrictEqual(order("round_robin", [a, b, c], state, inputs).map((t) => t.text), ["a:1", "b:1", "c:1"])
    assert.deepStrictEqual(order("round_robin", [a, b, c], state, inputs).map((t) => t.text), ["b:1", "c:1", "a:1"])
    assert.deepStrictEqual(order("round_robin", [a, b, c], state, inputs).map((t) => t.text), ["c:1", "a:1", "b:1"])
  })

  it("random spreads by weight within a binomial tolerance (4 standard deviations)", () => {
    for (const seed of [1, 2, 3]) {
      const n = 3000
      const { counts } = picks("random", [a, target("b:1", 3)], n, () => 0, seeded(seed))
      const expected = n * 0.75
      const sd = Math.sqrt(n * 0.75 * 0.25)
      assert.isBelow(Math.abs((counts["b:1"] ?? 0) - expected), 4 * sd, JSON.stringify(counts))
    }
  })

  it("least_* picks the lowest load per weight; ties share by weight", () => {
    const loads: Record<string, number> = { "a:1": 5, "b:1": 2, "c:1": 2 }
    const { counts } = picks("least_players", [a, b, c], 4, (t) => loads[t.text] ?? 0)
    assert.deepStrictEqual(counts, { "b:1": 2, "c:1": 2 })
    // 6 players on a weight-3 backend weigh like 2 on a weight-1 one.
    const big = target("big:1", 3)
    const first = order("least_connections", [a, big], makeStrategyState(), {
      random: Math.random,
      load: (t) => (t === big ? 6 : 3)
    })
    assert.strictEqual(first[0], big)
    // All idle: weights decide, exactly.
    assert.deepStrictEqual(picks("least_players", [a, target("b:1", 2)], 300).counts, { "a:1": 100, "b:1": 200 })
  })

  it("every strategy returns a permutation of its input", () => {
    const strategies: ReadonlyArray<LoadBalancing> = ["sequential", "random", "round_robin", "least_players", "least_connections"]
    fc.assert(
      fc.property(
        fc.constantFrom(...strategies),
        fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 0, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 8, maxLength: 8 }),
        fc.integer({ min: 1, max: 20 }),
        (strategy, ports, weights, rounds) => {
          const targets = ports.map((p, i) => target(`h:${p}`, weights[i]!))
          const state = makeStrategyState()
          for (let r = 0; r < rounds; r++) {
            const out = order(strategy, targets, state, { random: seeded(r), load: (t) => t.port % 3 })
            assert.deepStrictEqual([...out].sort((x, y) => x.port - y.port), [...targets].sort((x, y) => x.port - y.port))
          }
        }
      )
    )
  })

  it("pruning forgets removed backends", () => {
    const state = makeStrategyState()
    order("round_robin", [a, b], state, { random: Math.random, load: () => 0 })
    pruneStrategyState(state, new Set(["a:1"]))
    assert.deepStrictEqual([...state.current.keys()], ["a:1"])
  })
})
