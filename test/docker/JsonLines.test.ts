/**
 * The event-stream line splitter: lines come out whole whatever the chunking, blank lines and
 * CRs are dropped, nothing is lost or invented, and an over-long line is an error value.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { isLineTooLong, MAX_LINE, type Split, splitLines } from "../../src/docker/JsonLines.ts"

/** Feeds `chunks` one by one; the lines seen and what is pending at the end. */
const feed = (chunks: ReadonlyArray<string>): Split => {
  const lines: Array<string> = []
  let pending = ""
  for (const chunk of chunks) {
    const split = splitLines(pending, chunk)
    if (isLineTooLong(split)) throw new Error("unexpected LineTooLong")
    lines.push(...split.lines)
    pending = split.pending
  }
  return { lines, pending }
}

/** Cuts `text` at the given (sorted, deduplicated) positions. */
const cut = (text: string, at: ReadonlyArray<number>): Array<string> => {
  const points = [...new Set(at.map((p) => p % (text.length + 1)))].sort((a, b) => a - b)
  const out: Array<string> = []
  let start = 0
  for (const p of points) {
    out.push(text.slice(start, p))
    start = p
  }
  out.push(text.slice(start))
  return out
}

/** Event-like lines: no newline inside, not blank. */
const line = fc.string({ minLength: 1, maxLength: 60 }).map((s) => s.replace(/[\r\n]/g, "x")).filter((s) => s.trim().length > 0)

describe("splitLines", () => {
  it("splits at newlines, drops blank lines and a CR before the newline, keeps the unterminated rest", () => {
    const split = splitLines("", `{"a":1}\n\r\n  \n{"b":2}\r\n{"c"`)
    assert.deepStrictEqual(split, { lines: [`{"a":1}`, `{"b":2}`], pending: `{"c"` })
    assert.deepStrictEqual(splitLines(`{"c"`, ":3}\n"), { lines: [`{"c":3}`], pending: "" })
  })

  it("round trip: lines joined with newlines come back as they were", () => {
    fc.assert(fc.property(fc.array(line, { maxLength: 20 }), fc.boolean(), (lines, crlf) => {
      const text = lines.map((l) => `${l}${crlf ? "\r\n" : "\n"}`).join("")
      assert.deepStrictEqual(feed([text]), { lines, pending: "" })
    }))
  })

  it("chunking invariance: any cut of the stream gives the same lines and the same rest", () => {
    const args = [fc.array(line, { maxLength: 10 }), fc.string({ maxLength: 20 }), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean()] as const
    fc.assert(fc.property(...args, (lines, tail, at, crlf) => {
      const rest = tail.replace(/\n/g, "")
      const text = lines.map((l) => `${l}${crlf ? "\r\n" : "\n"}`).join("") + rest
      assert.deepStrictEqual(feed(cut(text, at)), feed([text]))
    }))
  })

  it("totality: arbitrary text never throws, and every character ends up in a line, the rest, or a dropped separator", () => {
    fc.assert(fc.property(fc.array(fc.string({ maxLength: 40 }), { maxLength: 10 }), (chunks) => {
      const { lines, pending } = feed(chunks)
      const text = chunks.join("")
      assert.isFalse(pending.includes("\n"))
      assert.isTrue(text.endsWith(pending))
      for (const l of lines) assert.isTrue(text.includes(l) && !l.includes("\n"))
    }))
  })

  it("an over-long line, ended or not, is an error value", () => {
    const long = "x".repeat(MAX_LINE + 1)
    const ended = splitLines("", `${long}\n`)
    assert.isTrue(isLineTooLong(ended))
    const open = splitLines(long.slice(0, 10), long.slice(10))
    assert.deepStrictEqual(open, { _tag: "LineTooLong", length: MAX_LINE + 1 })
    assert.isFalse(isLineTooLong(splitLines("", `${"x".repeat(MAX_LINE)}\n`)))
  })
})
