/**
 * Outside text in log lines (LogText.ts), as properties over arbitrary strings: no control
 * character survives, the length is bounded, printable text passes unchanged, and the text
 * logger never lets a message start a line of its own.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import fc from "fast-check"
import { makeTextLogger } from "../../src/observability/Logging.ts"
import { escapeControls, MAX_UNTRUSTED_CHARS, untrusted } from "../../src/observability/LogText.ts"

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/
const anyText = fc.string({ unit: "binary", maxLength: 300 })

describe("untrusted", () => {
  it("escapes every control character and bounds the length", () => {
    fc.assert(fc.property(anyText, fc.integer({ min: 1, max: 200 }), (text, max) => {
      const out = untrusted(text, max)
      assert.notMatch(out, CONTROL)
      // Each kept character becomes at most 6 (`\u2028`), plus the ellipsis.
      assert.isAtMost(out.length, max * 6 + 1)
      assert.strictEqual(out.endsWith("…") && !text.endsWith("…"), text.length > max)
    }))
  })

  it("leaves printable text without backslashes as it is", () => {
    fc.assert(fc.property(fc.string({ maxLength: MAX_UNTRUSTED_CHARS }).filter((s) => !CONTROL.test(s) && !s.includes("\\")), (text) => {
      assert.strictEqual(untrusted(text), text)
    }))
  })

  it("is unambiguous: distinct values of printable length stay distinct", () => {
    fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), (a, b) => {
      if (a !== b) assert.notStrictEqual(untrusted(a, 64), untrusted(b, 64))
    }))
  })

  it("names the usual suspects the way JSON would", () => {
    assert.strictEqual(untrusted("a\nb\rc\td\u001be\u0007f\\"), "a\\nb\\rc\\td\\x1be\\x07f\\\\")
    assert.strictEqual(escapeControls("x\u202ey\u2028"), "x\\u202ey\\u2028")
    assert.strictEqual(untrusted("x".repeat(70)), `${"x".repeat(64)}…`)
  })
})

describe("text log lines", () => {
  it.effect("a message with newlines, CR, ESC and BEL cannot forge a line", () =>
    Effect.gen(function*() {
      const lines: Array<string> = []
      const forged = "evil\n2026-01-01T00:00:00.000Z INFO  forged admin login\r\u001b[2K\u0007"
      yield* Effect.logInfo(`unknown domain '${forged}'`).pipe(
        Effect.annotateLogs({ player: "a\nb\u009b" }),
        Effect.provide(Logger.layer([makeTextLogger((l) => lines.push(l))]))
      )
      assert.strictEqual(lines.length, 1)
      // One physical line: the message's later lines are folded into the entry.
      assert.notInclude(lines[0]!.slice(0, -1), "\n")
      assert.match(lines[0]!, /^\S+Z INFO  unknown domain 'evil \| 2026-01-01T00:00:00\.000Z INFO  forged admin login/)
      assert.notMatch(lines[0]!, /[\r\u001b\u0007\u009b]/)
      assert.include(lines[0]!, `player="a\\nb\\x9b"`)
    }))
})
