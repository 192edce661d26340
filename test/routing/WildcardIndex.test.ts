import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as DomainPattern from "../../src/routing/DomainPattern.ts"
import * as WildcardIndex from "../../src/routing/WildcardIndex.ts"

const wildcard = (p: string): DomainPattern.WildcardPattern => {
  const compiled = DomainPattern.compile(p)
  if (compiled._tag !== "Wildcard") throw new Error(`not a wildcard: ${p}`)
  return compiled
}

describe("WildcardIndex", () => {
  it("keys a pattern by the dot-led tail of its literal suffix", () => {
    const key = (p: string) => wildcard(p).suffixKey
    assert.strictEqual(key("*.eu.example.com"), ".eu.example.com")
    assert.strictEqual(key("lobby-?.*-x.example.net"), ".example.net")
    assert.strictEqual(key("a?.example.com"), ".example.com")
    assert.strictEqual(key("*x.example.com"), ".example.com")
    assert.strictEqual(key("mc.*"), "")
    assert.strictEqual(key("*"), "")
    assert.strictEqual(key("*.example.?om"), "")
  })

  it("prefers the lower rank across buckets", () => {
    const routes = ["mc.*", "*.b.example.com", "*.example.com", "*"].map((p) => ({ pattern: wildcard(p), id: p }))
    const index = WildcardIndex.make(routes)
    assert.strictEqual(WildcardIndex.first(index, "mc.b.example.com")?.id, "mc.*")
    assert.strictEqual(WildcardIndex.first(index, "x.b.example.com")?.id, "*.b.example.com")
    assert.strictEqual(WildcardIndex.first(index, "x.example.com")?.id, "*.example.com")
    assert.strictEqual(WildcardIndex.first(index, "example.org")?.id, "*")
    assert.isUndefined(WildcardIndex.first(WildcardIndex.make(routes.slice(0, 3)), "example.org"))
  })

  it("returns exactly what a linear scan in precedence order returns", () => {
    const piece = fc.constantFrom("a", "b", "ab", ".", "..", "-", "*", "?", "x.example", ".com")
    const pattern = fc.array(piece, { minLength: 1, maxLength: 6 }).map((p) => p.join(""))
      .filter((p) => DomainPattern.isWildcard(DomainPattern.compile(p).source))
    const host = fc.array(fc.constantFrom("a", "b", ".", "-", "x.example", ".com"), { maxLength: 8 })
      .map((h) => h.join(""))
    fc.assert(
      fc.property(fc.array(pattern, { maxLength: 12 }), fc.array(host, { maxLength: 10 }), (patterns, hosts) => {
        const routes = patterns.map((p, i) => ({ pattern: wildcard(p), i }))
        const index = WildcardIndex.make(routes)
        return hosts.every((h) => WildcardIndex.first(index, h)?.i === routes.find((r) => r.pattern.matches(h))?.i)
      }),
      { numRuns: 5_000 }
    )
  })
})
