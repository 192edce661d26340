import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { LogThrottle, MAX_SUBJECTS, THROTTLE_WINDOW_MS } from "../../src/observability/LogThrottle.ts"

describe("LogThrottle", () => {
  it.effect("keeps the level once per subject per window, then Debug", () =>
    Effect.gen(function*() {
      const throttle = yield* LogThrottle
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.1", "Warn"), "Warn")
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.1", "Warn"), "Debug")
      // Another subject is reported on its own.
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.2", "Warn"), "Warn")
      yield* TestClock.adjust(THROTTLE_WINDOW_MS - 1)
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.1", "Warn"), "Debug")
      yield* TestClock.adjust(1)
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.1", "Warn"), "Warn")
    }).pipe(Effect.provide(LogThrottle.layer)))

  it.effect("stays bounded under a flood of distinct subjects", () =>
    Effect.gen(function*() {
      const throttle = yield* LogThrottle
      for (let i = 0; i < MAX_SUBJECTS + 500; i++) yield* throttle.level(`peer|${i}`, "Warn")
      // The oldest were forgotten (reported again), the newest are still remembered.
      assert.strictEqual(yield* throttle.level("peer|0", "Warn"), "Warn")
      assert.strictEqual(yield* throttle.level(`peer|${MAX_SUBJECTS + 499}`, "Warn"), "Debug")
    }).pipe(Effect.provide(LogThrottle.layer)))
})
