/**
 * The log throttle: a few lines per kind per window keep their level, the rest are counted
 * into one summary line, whatever the number of sources; memory stays bounded.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { TestClock } from "effect/testing"
import { LOUD_PER_KIND, LogThrottle, MAX_SUBJECTS, THROTTLE_WINDOW_MS } from "../../src/observability/LogThrottle.ts"
import { captureLogs, type LogLine } from "../support/LogCapture.ts"

/** The throttle's own lines (the TestClock warns on its own when a long loop runs under load). */
const summaries = (lines: ReadonlyArray<LogLine>) => lines.filter((l) => l.message.includes(" more from "))

describe("LogThrottle", () => {
  it.effect("keeps the level once per subject, for a few subjects per kind, then Debug", () =>
    Effect.gen(function*() {
      const throttle = yield* LogThrottle
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.1", "Warn"), "Warn")
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.1", "Warn"), "Debug", "a subject once per window")
      assert.strictEqual(yield* throttle.level("other|10.0.0.1", "Info"), "Info", "kinds are counted apart")
      for (let i = 2; i <= LOUD_PER_KIND; i++) assert.strictEqual(yield* throttle.level(`proxy|10.0.0.${i}`, "Warn"), "Warn")
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.99", "Warn"), "Debug", "the kind used up its lines")
      yield* TestClock.adjust(THROTTLE_WINDOW_MS - 1)
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.1", "Warn"), "Debug")
      yield* TestClock.adjust(1)
      assert.strictEqual(yield* throttle.level("proxy|10.0.0.1", "Warn"), "Warn", "a new window")
    }).pipe(Effect.provide(LogThrottle.layer)))

  it.effect("a flood from 20,000 sources is a few lines and one summary with the counts", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const throttle = yield* LogThrottle
      const levels: Record<string, number> = {}
      for (let i = 0; i < 20_000; i++) {
        const level = yield* throttle.level(`login for unknown domain|10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`, "Info")
        levels[level] = (levels[level] ?? 0) + 1
      }
      assert.deepStrictEqual(levels, { Info: LOUD_PER_KIND, Debug: 20_000 - LOUD_PER_KIND })
      assert.deepStrictEqual(summaries(logs.lines), [], "no summary before the window ends")
      yield* TestClock.adjust(THROTTLE_WINDOW_MS + 10_000)
      assert.deepStrictEqual(summaries(logs.lines), [{
        level: "Info",
        message: `login for unknown domain: … and 19,995 more from ${MAX_SUBJECTS >= 19_995 ? "19,995" : `at least ${MAX_SUBJECTS.toLocaleString("en-US")}`} address(es) in the last minute`
      }])
    }).pipe(Effect.provide(LogThrottle.layer), Effect.provide(logs.layer))
  })

  it.effect("a summary written from a connection's fiber carries none of its annotations", () => {
    const logs = captureLogs({ annotations: true })
    return Effect.gen(function*() {
      const throttle = yield* LogThrottle
      for (let i = 0; i <= LOUD_PER_KIND; i++) yield* throttle.level(`k|10.0.0.${i}`, "Warn")
      yield* TestClock.adjust(THROTTLE_WINDOW_MS)
      yield* throttle.level("k|10.0.1.1", "Warn")
      const summary = logs.lines.find((l) => l.message.startsWith("k: … and 1 more"))
      assert.isDefined(summary)
      assert.deepStrictEqual(summary!.annotations, {})
    }).pipe(
      Effect.provide(LogThrottle.layer),
      // Everything, the throttle's own fiber included, runs inside a connection's annotations.
      Effect.annotateLogs({ client: "10.9.9.9" }),
      Effect.provide(logs.layer)
    )
  })

  it.effect("stays bounded: distinct sources beyond the cap are counted as lines only", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const throttle = yield* LogThrottle
      for (let i = 0; i < MAX_SUBJECTS + 500; i++) yield* throttle.level(`peer|${i}`, "Warn")
      yield* TestClock.adjust(THROTTLE_WINDOW_MS)
      yield* throttle.flush
      assert.strictEqual(summaries(logs.lines).length, 1)
      assert.include(summaries(logs.lines)[0]!.message, `more from at least ${MAX_SUBJECTS.toLocaleString("en-US")} address(es)`)
    }).pipe(Effect.provide(LogThrottle.layer), Effect.provide(logs.layer))
  })
})
