/**
 * Durations written the way Infrarust writes them: humantime strings such as `"5s"`, `"300ms"`,
 * `"1h30m"`, `"2days"` or `"1.5h"`, decoded to an Effect `Duration`.
 *
 * Infrarust reads durations with `humantime_serde`, so this module re-implements humantime's
 * `parse_duration` (2.3 grammar) rather than Effect's `"5 seconds"` format: every string Infrarust
 * accepts must mean the same thing here. The grammar, kept faithfully, including its quirks:
 * - a duration is one or more `<number><unit>` spans; whitespace is allowed anywhere between and
 *   inside the number and the unit (`"5 sec"`, `"2h 15m"`, even `"1 2s"` = 12 s);
 * - spans may follow each other without a space (`"1h30m"`);
 * - a number may have a fraction (`"1.5h"`), which must come out to whole nanoseconds (whole
 *   seconds for hours and longer units) and is not allowed on `ns`;
 * - the bare string `"0"` is zero; any other bare number is rejected ("time unit needed");
 * - totals above u64 seconds are rejected as an overflow.
 */
import { Duration, Result, Schema } from "effect"
import { parsedString } from "./TomlSchema.ts"

const NS_PER_SECOND = 1_000_000_000n
const U64_MAX = (1n << 64n) - 1n

/** Unit spelling → (nanoseconds per unit, whether the fraction is computed in seconds). */
const UNITS: ReadonlyMap<string, bigint> = (() => {
  const table: Array<[ReadonlyArray<string>, bigint]> = [
    [["nanos", "nsec", "ns"], 1n],
    [["usec", "us", "µs"], 1_000n],
    [["millis", "msec", "ms"], 1_000_000n],
    [["seconds", "second", "secs", "sec", "s"], NS_PER_SECOND],
    [["minutes", "minute", "min", "mins", "m"], 60n * NS_PER_SECOND],
    [["hours", "hour", "hr", "hrs", "h"], 3_600n * NS_PER_SECOND],
    [["days", "day", "d"], 86_400n * NS_PER_SECOND],
    [["weeks", "week", "wk", "wks", "w"], 604_800n * NS_PER_SECOND],
    // humantime's calendar approximations: 30.44 days and 365.25 days.
    [["months", "month", "M"], 2_630_016n * NS_PER_SECOND],
    [["years", "year", "yr", "yrs", "y"], 31_557_600n * NS_PER_SECOND]
  ]
  return new Map(table.flatMap(([names, ns]) => names.map((name) => [name, ns] as const)))
})()

const isDigit = (c: string): boolean => c >= "0" && c <= "9"
const isLetter = (c: string): boolean => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "µ"
// Rust's char::is_whitespace on the characters a config file can realistically hold.
const isSpace = (c: string): boolean => /\s/u.test(c)

const overflow = "the number is too large (or finer than a nanosecond)"

/**
 * Parses a humantime duration. Fails with the reason (without the input) so callers can phrase
 * the message; never throws.
 */
export const parseHumanDuration = (text: string): Result.Result<Duration.Duration, string> => {
  if (text === "0") return Result.succeed(Duration.zero)
  const chars = [...text]
  let i = 0
  let total = 0n

  // Skips whitespace; returns the first digit, undefined at the end, or an error for anything else.
  const firstDigit = (): bigint | undefined | string => {
    while (i < chars.length) {
      const c = chars[i++]!
      if (isDigit(c)) return BigInt(c)
      if (!isSpace(c)) return `expected a number at "${chars.slice(i - 1).join("")}"`
    }
    return undefined
  }

  const addSpan = (n: bigint, frac: { num: bigint; den: bigint } | undefined, unit: string): string | undefined => {
    const perUnit = UNITS.get(unit)
    if (perUnit === undefined) {
      return unit === ""
        ? `a time unit is needed, for example "${n}s" or "${n}ms"`
        : `unknown time unit "${unit}"; units are ns, us, ms, s, m, h, d, w, M, y and long forms like "seconds"`
    }
    let add = n * perUnit
    if (frac !== undefined) {
      if (perUnit === 1n) return overflow
      // humantime computes hour-and-longer fractions in whole seconds, shorter ones in nanoseconds.
      const step = perUnit >= 3_600n * NS_PER_SECOND ? NS_PER_SECOND : 1n
      const scaled = frac.num * (perUnit / step)
      if (scaled % frac.den !== 0n) return overflow
      add += (scaled / frac.den) * step
    }
    total += add
    if (n > U64_MAX || total / NS_PER_SECOND > U64_MAX) return overflow
    return undefined
  }

  const first = firstDigit()
  if (first === undefined) return Result.fail("the value is empty")
  if (typeof first === "string") return Result.fail(first)
  let n = first
  for (;;) {
    let frac: { num: bigint; den: bigint } | undefined
    let unitStart = chars.length
    // Number part: digits (spaces ignored), then an optional fraction, up to the first unit letter.
    while (i < chars.length) {
      const c = chars[i++]!
      if (isDigit(c)) n = n * 10n + BigInt(c)
      else if (isSpace(c)) continue
      else if (isLetter(c)) {
        unitStart = i - 1
        break
      } else if (c === ".") {
        let num = 0n
        let den = 1n
        while (i < chars.length) {
          const d = chars[i++]!
          if (isDigit(d)) {
            num = num * 10n + BigInt(d)
            den *= 10n
          } else if (isSpace(d)) continue
          else if (isLetter(d)) {
            unitStart = i - 1
            break
          } else return Result.fail(`invalid character "${d}"`)
        }
        if (den === 1n) return Result.fail(`digits are expected after "."`)
        frac = { num, den }
        break
      } else return Result.fail(`invalid character "${c}"`)
    }
    // Unit part: letters, ended by whitespace, the end, or the digit of the next span.
    let unitEnd = unitStart === chars.length ? unitStart : unitStart + 1
    i = unitEnd
    let nextDigit: bigint | undefined
    while (i < chars.length) {
      const c = chars[i++]!
      if (isLetter(c)) unitEnd = i
      else if (isDigit(c)) {
        nextDigit = BigInt(c)
        break
      } else if (isSpace(c)) break
      else return Result.fail(`invalid character "${c}"`)
    }
    const problem = addSpan(n, frac, chars.slice(unitStart, unitEnd).join(""))
    if (problem !== undefined) return Result.fail(problem)
    if (nextDigit !== undefined) {
      n = nextDigit
      continue
    }
    const next = firstDigit()
    if (next === undefined) return Result.succeed(Duration.nanos(total))
    if (typeof next === "string") return Result.fail(next)
    n = next
  }
}

/**
 * Formats a duration the way humantime's `format_duration` does (`"1year 2months 3days 4h 5m 6s
 * 7ms 8us 9ns"`); the output always parses back to the same value.
 */
export const formatHumanDuration = (duration: Duration.Duration): string => {
  const totalNs = Duration.toNanosUnsafe(duration)
  if (totalNs === 0n) return "0s"
  let secs = totalNs / NS_PER_SECOND
  const nanos = totalNs % NS_PER_SECOND
  const parts: Array<string> = []
  const plural = (value: bigint, name: string) => {
    if (value > 0n) parts.push(`${value}${name}${value > 1n ? "s" : ""}`)
  }
  const item = (value: bigint, name: string) => {
    if (value > 0n) parts.push(`${value}${name}`)
  }
  plural(secs / 31_557_600n, "year")
  secs %= 31_557_600n
  plural(secs / 2_630_016n, "month")
  secs %= 2_630_016n
  plural(secs / 86_400n, "day")
  secs %= 86_400n
  item(secs / 3_600n, "h")
  item((secs % 3_600n) / 60n, "m")
  item(secs % 60n, "s")
  item(nanos / 1_000_000n, "ms")
  item((nanos / 1_000n) % 1_000n, "us")
  item(nanos % 1_000n, "ns")
  return parts.join(" ")
}

/** What a duration looks like, for "expected …" messages. */
export const durationExpected = `a duration like "5s", "300ms" or "1h30m"`

/** A TOML string holding a humantime duration, decoded to `Duration`. */
export const HumanDuration = parsedString(Schema.Duration, durationExpected, parseHumanDuration, formatHumanDuration)
