/**
 * The premium answers' cache: an entry lives exactly its TTL, the cache never holds more than
 * its capacity (the oldest goes first), and it agrees with a plain model for any sequence.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { AnswerCache } from "../../../src/plugins/builtin/AnswerCache.ts"

type Op = { readonly set: boolean; readonly key: string; readonly gap: number }

describe("AnswerCache", () => {
  it("agrees with a model (TTL, capacity, oldest first) for any sequence", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 1, max: 100 }),
      fc.array(fc.record({ set: fc.boolean(), key: fc.constantFrom("a", "b", "c", "d", "e", "f"), gap: fc.integer({ min: 0, max: 40 }) }), { maxLength: 200 }),
      (capacity, ttl, ops: ReadonlyArray<Op>) => {
        const cache = new AnswerCache<number>(capacity, ttl)
        const model: Array<{ key: string; value: number; expires: number }> = []
        let now = 0
        ops.forEach((op, i) => {
          now += op.gap
          const at = model.findIndex((e) => e.key === op.key)
          if (op.set) {
            cache.set(op.key, i, now)
            if (at >= 0) model.splice(at, 1)
            model.push({ key: op.key, value: i, expires: now + ttl })
            if (model.length > capacity) model.shift()
          } else {
            const live = at >= 0 && model[at]!.expires > now ? model[at]!.value : undefined
            if (at >= 0 && live === undefined) model.splice(at, 1)
            assert.strictEqual(cache.get(op.key, now), live)
          }
          assert.isAtMost(cache.size, capacity)
        })
      }
    ))
  })

  it("a TTL or capacity of 0 keeps nothing", () => {
    const noTtl = new AnswerCache<string>(10, 0)
    noTtl.set("a", "x", 0)
    assert.strictEqual(noTtl.get("a", 0), undefined)
    const noRoom = new AnswerCache<string>(0, 1000)
    noRoom.set("a", "x", 0)
    assert.strictEqual(noRoom.size, 0)
  })
})
