/**
 * The queue's lines: rank first, then arrival (a stable sort); leaving moves everyone behind up;
 * take hands out the head in order; positions and totals agree with the line.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { makeWaitingLine } from "../../../src/plugins/builtin/WaitingLine.ts"

const arrivals = fc.array(fc.record({ rank: fc.integer({ min: 0, max: 2 }), server: fc.constantFrom("a", "b") }), { maxLength: 40 })

describe("WaitingLine", () => {
  it("orders each server's line by rank, then arrival", () =>
    fc.assert(fc.property(arrivals, (list) => {
      const line = makeWaitingLine<number>()
      list.forEach((p, i) => line.join(p.server, i, p.rank))
      for (const server of ["a", "b"]) {
        const expected = list.map((p, i) => ({ ...p, i })).filter((p) => p.server === server).sort((x, y) => x.rank - y.rank || x.i - y.i).map((p) => p.i)
        assert.deepStrictEqual(line.waiting(server), expected)
        expected.forEach((player, index) => assert.deepStrictEqual(line.position(player), { position: index + 1, total: expected.length }))
      }
    })))

  it("leaving and taking keep the others in order; an emptied line disappears", () =>
    fc.assert(fc.property(arrivals, fc.array(fc.nat(40)), fc.nat(5), (list, leavers, n) => {
      const line = makeWaitingLine<number>()
      list.forEach((p, i) => line.join(p.server, i, p.rank))
      const before = line.waiting("a")
      for (const l of leavers) line.leave(l)
      const gone = new Set(leavers)
      const kept = before.filter((p) => !gone.has(p))
      assert.deepStrictEqual(line.waiting("a"), kept)
      assert.deepStrictEqual(line.take("a", n), kept.slice(0, n))
      assert.deepStrictEqual(line.waiting("a"), kept.slice(n))
      for (const p of kept.slice(0, n)) assert.isUndefined(line.position(p))
      assert.strictEqual(line.servers().includes("a"), kept.length > n)
    })))

  it("a priority player goes ahead of everyone of a lower rank, behind its own", () => {
    const line = makeWaitingLine<string>()
    assert.strictEqual(line.join("s", "x", 1), 1)
    assert.strictEqual(line.join("s", "y", 1), 2)
    assert.strictEqual(line.join("s", "admin", 0), 1)
    assert.strictEqual(line.join("s", "admin2", 0), 2)
    assert.deepStrictEqual(line.waiting("s"), ["admin", "admin2", "x", "y"])
    assert.strictEqual(line.leave("nobody"), undefined)
  })
})
