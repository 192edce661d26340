/**
 * One bucket of the GCRA table as the auth plugin's premium lookups use it: never more than
 * `capacity` + what the elapsed time refills (capacity per window), whatever the pattern of
 * requests; and an empty bucket refills.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { makeBucketTable } from "../../src/security/TokenBucket.ts"

/** A single bucket of `capacity` per `windowMs`: true when a token was taken. */
const bucketOf = (capacity: number, windowMs: number) => {
  const table = makeBucketTable(1)
  return { take: (now: number): boolean => table.take("bucket", now, capacity, windowMs) === 0 }
}

describe("TokenBucket, one key", () => {
  it("grants at most capacity + elapsed × rate, for any request times", () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 100_000 }),
      fc.array(fc.integer({ min: 0, max: 5_000 }), { maxLength: 300 }),
      (capacity, windowMs, gaps) => {
        const bucket = bucketOf(capacity, windowMs)
        let now = 0
        let granted = 0
        for (const gap of gaps) {
          now += gap
          if (bucket.take(now)) granted++
          assert.isAtMost(granted, capacity + Math.floor((now * capacity) / windowMs) + 1e-9)
        }
      }
    ))
  })

  it("grants the whole capacity at once, then one more per refill period", () => {
    const bucket = bucketOf(600, 600_000)
    for (let i = 0; i < 600; i++) assert.isTrue(bucket.take(0))
    assert.isFalse(bucket.take(0))
    assert.isFalse(bucket.take(999))
    assert.isTrue(bucket.take(1000))
    assert.isFalse(bucket.take(1000))
  })

  it("a clock that goes back grants nothing extra", () => {
    const bucket = bucketOf(1, 1000)
    assert.isTrue(bucket.take(5000))
    assert.isFalse(bucket.take(0))
    assert.isFalse(bucket.take(5999))
    assert.isTrue(bucket.take(6000))
  })
})
