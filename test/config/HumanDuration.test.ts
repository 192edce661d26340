import { assert, describe, it } from "@effect/vitest"
import { Duration, Result } from "effect"
import fc from "fast-check"
import { formatHumanDuration, parseHumanDuration } from "../../src/config/HumanDuration.ts"

const ms = (text: string): number => {
  const parsed = parseHumanDuration(text)
  if (Result.isFailure(parsed)) throw new Error(`${JSON.stringify(text)} was rejected: ${parsed.failure}`)
  return Duration.toMillis(parsed.success)
}

describe("HumanDuration", () => {
  describe("accepts what humantime accepts", () => {
    const accepted: ReadonlyArray<readonly [string, number]> = [
      ["300ms", 300],
      ["5s", 5_000],
      ["2m", 120_000],
      ["10m", 600_000],
      ["1h30m", 5_400_000],
      ["2days", 172_800_000],
      ["1d", 86_400_000],
      ["300s", 300_000],
      ["250us", 0.25],
      ["163µs", 0.163],
      ["17nsec", 0.000017],
      ["31msec", 31],
      ["31millis", 31],
      ["5 sec", 5_000],
      ["50seconds", 50_000],
      ["1second", 1_000],
      ["12min", 720_000],
      ["7minutes", 420_000],
      ["7hr", 25_200_000],
      ["7hrs", 25_200_000],
      ["24hours", 86_400_000],
      ["1week", 604_800_000],
      ["100wk", 60_480_000_000],
      ["1month", 2_630_016_000],
      ["12M", 31_560_192_000],
      ["1year", 31_557_600_000],
      ["15yrs", 15 * 31_557_600_000],
      ["2h 15m", 8_100_000],
      ["20 min 17 nsec ", 1_200_000.000017],
      [" 5s", 5_000],
      ["1.5h", 5_400_000],
      ["4.2s", 4_200],
      ["0.5m", 30_000],
      ["0", 0],
      ["0s", 0],
      // humantime skips spaces inside a number too.
      ["1 2s", 12_000]
    ]
    for (const [text, expected] of accepted) {
      it(`${JSON.stringify(text)} = ${expected} ms`, () => assert.closeTo(ms(text), expected, 1e-9))
    }
  })

  describe("rejects with a reason", () => {
    const rejected: ReadonlyArray<readonly [string, string]> = [
      ["", "empty"],
      ["   ", "empty"],
      ["5", "a time unit is needed"],
      ["10 months 1", "a time unit is needed"],
      ["5 parsecs", `unknown time unit "parsecs"`],
      ["5S", `unknown time unit "S"`],
      ["five seconds", "expected a number"],
      ["-5s", "expected a number"],
      ["5s!", `invalid character "!"`],
      ["1,5s", `invalid character ","`],
      ["1.s", "digits are expected"],
      ["1.5ns", "too large (or finer than a nanosecond)"],
      ["1.0000000001s", "too large (or finer than a nanosecond)"],
      ["99999999999999999999s", "too large"],
      ["s", "expected a number"]
    ]
    for (const [text, reason] of rejected) {
      it(JSON.stringify(text), () => {
        const parsed = parseHumanDuration(text)
        assert.isTrue(Result.isFailure(parsed))
        if (Result.isFailure(parsed)) assert.include(parsed.failure, reason)
      })
    }
  })

  it("formats like humantime", () => {
    assert.strictEqual(formatHumanDuration(Duration.seconds(9_420)), "2h 37m")
    assert.strictEqual(formatHumanDuration(Duration.millis(32)), "32ms")
    assert.strictEqual(formatHumanDuration(Duration.zero), "0s")
    assert.strictEqual(formatHumanDuration(Duration.nanos(31_557_600_000_000_001n)), "1year 1ns")
  })

  it("parses back what it formats", () =>
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 21n }), (nanos) => {
        const text = formatHumanDuration(Duration.nanos(nanos))
        const parsed = parseHumanDuration(text)
        return Result.isSuccess(parsed) && Duration.toNanosUnsafe(parsed.success) === nanos &&
          Duration.toMillis(parsed.success) === Duration.toMillis(Duration.nanos(nanos))
      }),
      { numRuns: 500 }
    ))

  it("parses random compositions of spans to their sum", () =>
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 0, max: 100_000 }), fc.constantFrom(["ms", 1], ["s", 1_000], ["m", 60_000], ["h", 3_600_000], ["d", 86_400_000])),
          { minLength: 1, maxLength: 5 }
        ),
        fc.constantFrom("", " "),
        (spans, gap) => {
          const text = spans.map(([n, [unit]]) => `${n}${unit}`).join(gap)
          const parsed = parseHumanDuration(text)
          // Compared in nanoseconds: large sums are not exact as float milliseconds.
          const expected = spans.reduce((sum, [n, [, factor]]) => sum + BigInt(n) * BigInt(factor) * 1_000_000n, 0n)
          return Result.isSuccess(parsed) && Duration.toNanosUnsafe(parsed.success) === expected
        }
      )
    ))
})
