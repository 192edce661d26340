/**
 * The admin API's per-client window: each client has its own count, a window ends after 60 s,
 * and ended windows are forgotten (memory holds only the last minute's clients).
 */
import { assert, describe, it } from "@effect/vitest"
import { makeClientRateLimit, WINDOW_MS } from "../../src/admin/ClientRateLimit.ts"

describe("ClientRateLimit", () => {
  it("counts per client, refuses past the limit until the window ends, then starts over", () => {
    const limit = makeClientRateLimit()
    const t0 = 1_000_000
    assert.deepStrictEqual(limit.take("a", 2, t0), { allowed: true, limit: 2, remaining: 1, resetSeconds: 60 })
    assert.isTrue(limit.take("a", 2, t0 + 1).allowed)
    const refused = limit.take("a", 2, t0 + 30_000)
    assert.deepStrictEqual(refused, { allowed: false, limit: 2, remaining: 0, resetSeconds: 30 })
    assert.isTrue(limit.take("b", 2, t0 + 30_000).allowed, "another client has its own count")
    assert.isTrue(limit.take("a", 2, t0 + WINDOW_MS).allowed, "a new window")
  })

  it("forgets clients whose window ended", () => {
    const limit = makeClientRateLimit()
    for (let i = 0; i < 1000; i++) limit.take(`10.0.${i >> 8}.${i & 255}`, 5, 0)
    assert.strictEqual(limit.size(), 1000)
    limit.take("late", 5, WINDOW_MS + 1)
    assert.strictEqual(limit.size(), 1)
  })
})
