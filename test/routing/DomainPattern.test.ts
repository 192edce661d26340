import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as DomainPattern from "../../src/routing/DomainPattern.ts"

/** [pattern as configured, host (already normalised), expected]. */
const table: ReadonlyArray<readonly [string, string, boolean]> = [
  // `*` spans dots and may be empty; the match is on the whole host.
  ["*.mc.example.com", "a.mc.example.com", true],
  ["*.mc.example.com", "a.b.mc.example.com", true],
  ["*.mc.example.com", "mc.example.com", false],
  ["*.mc.example.com", ".mc.example.com", true],
  ["*.mc.example.com", "a.mc.example.com.evil.net", false],
  ["*.mc.example.com", "xmc.example.com", false],
  ["mc.*.com", "mc.example.com", true],
  ["mc.*.com", "mc..com", true],
  ["mc.*", "mc.", true],
  ["*", "", true],
  ["*", "anything.at.all", true],
  ["**", "", true],
  ["a*b*c", "abc", true],
  ["a*b*c", "aXbYc", true],
  ["a*b*c", "acb", false],
  ["a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false],
  ["*ab*ab*", "xabyab", true],
  ["*ab*ab*", "xaby", false],
  // `?` is exactly one character, dot included.
  ["a?.example.com", "ab.example.com", true],
  ["a?.example.com", "a.example.com", false],
  ["a?.example.com", "abc.example.com", false],
  ["a?.example.com", "a..example.com", true],
  ["??", "ab", true],
  ["??", "a", false],
  ["*?", "", false],
  ["*?", "a", true],
  ["?*?", "ab", true],
  ["lobby-?.*.net", "lobby-1.eu.net", true],
  ["lobby-?.*.net", "lobby-12.eu.net", false],
  // Dots and regex metacharacters are literal.
  ["mc.example.com?", "mcxexample.com1", false],
  ["*.example.com", "a.exampleXcom", false],
  ["a+b.(c)|[d]$^*", "a+b.(c)|[d]$^zz", true],
  ["a+b.(c)|[d]$^*", "aab.(c)|[d]$^", false],
  ["*.a.b", "x.aXb", false],
  ["x.{1,3}*", "x.{1,3}yz", true],
  // Case: configured patterns are normalised; hosts arrive normalised.
  ["*.Example.COM.", "abc.example.com", true],
  ["A?.EXAMPLE.com", "ab.example.com", true]
]

/** An independent reference matcher (dynamic programming), to check the compiled scan. */
const reference = (pattern: string, host: string): boolean => {
  let prev: Array<boolean> = [true, ...Array.from({ length: host.length }, () => false)]
  for (const p of pattern) {
    const next = [p === "*" && prev[0] === true]
    for (let j = 1; j <= host.length; j++) {
      next[j] = p === "*"
        ? prev[j] === true || next[j - 1] === true
        : prev[j - 1] === true && (p === "?" || p === host[j - 1])
    }
    prev = next
  }
  return prev[host.length] === true
}

describe("DomainPattern", () => {
  describe("matching", () => {
    for (const [pattern, host, expected] of table) {
      it(`${JSON.stringify(pattern)} ${expected ? "matches" : "rejects"} ${JSON.stringify(host)}`, () => {
        const compiled = DomainPattern.compile(pattern)
        assert.strictEqual(compiled._tag, "Wildcard")
        assert.strictEqual(DomainPattern.matches(compiled, host), expected)
      })
    }
  })

  it("compiles a domain without * or ? to an exact key", () => {
    const p = DomainPattern.compile("MC.Example.com.")
    assert.deepStrictEqual(p, { _tag: "Exact", source: "mc.example.com" })
    assert.isTrue(DomainPattern.matches(p, "mc.example.com"))
    assert.isFalse(DomainPattern.matches(p, "a.mc.example.com"))
  })

  it("counts literal characters as specificity", () => {
    const spec = (d: string) => {
      const p = DomainPattern.compile(d)
      return p._tag === "Wildcard" ? p.specificity : -1
    }
    assert.strictEqual(spec("*.example.com"), 12)
    assert.strictEqual(spec("*.b.example.com"), 14)
    assert.strictEqual(spec("a?.example.com"), 13)
    assert.strictEqual(spec("*"), 0)
    assert.strictEqual(spec("??"), 0)
    assert.strictEqual(spec("mc.example.com"), -1)
  })

  it("stays fast on a pathological pattern and a 255-char host", () => {
    const p = DomainPattern.compile("*a*a*a*a*a*a*a*a*b")
    const host = "a".repeat(255)
    const start = performance.now()
    for (let i = 0; i < 1_000; i++) DomainPattern.matches(p, host)
    assert.isBelow(performance.now() - start, 500)
    assert.isFalse(DomainPattern.matches(p, host))
  })

  it("agrees with a reference matcher on random patterns and hosts", () => {
    const alphabet = ["a", "b", ".", "-"]
    const pattern = fc.array(fc.constantFrom(...alphabet, "*", "?"), { maxLength: 10 }).map((p) => p.join(""))
    const host = fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }).map((h) => h.join(""))
    fc.assert(
      fc.property(pattern, host, (p, h) => {
        // Compile the raw pattern (normalisation would drop trailing dots from it).
        const compiled = DomainPattern.fromNormalized(p)
        return DomainPattern.matches(compiled, h) === reference(p, h)
      }),
      { numRuns: 20_000 }
    )
  })
})
