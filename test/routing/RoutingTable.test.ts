import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as DomainPattern from "../../src/routing/DomainPattern.ts"
import { normalizeHost } from "../../src/routing/HostName.ts"
import * as RoutingTable from "../../src/routing/RoutingTable.ts"

type Entry = RoutingTable.RoutingEntry<string>

const entry = (id: string, file: string, domains: ReadonlyArray<string>): Entry => ({ id, file, domains, value: id })

/** The id of the entry a raw host resolves to, or undefined. */
const idFor = (table: RoutingTable.RoutingTable<string>, host: string) => RoutingTable.resolve(table, host)?.entry.id

describe("RoutingTable", () => {
  describe("resolve", () => {
    const { table } = RoutingTable.make([
      entry("survival", "10-survival.toml", ["mc.example.com", "Survival.Example.com."]),
      entry("lobby", "20-lobby.toml", ["*.example.com"]),
      entry("eu", "30-eu.toml", ["*.eu.example.com"]),
      entry("play", "40-play.toml", ["*.play.example.com"])
    ])

    it("normalises the handshake host before looking it up", () => {
      const m = RoutingTable.resolve(table, "MC.Example.com.\0FML3\0")
      assert.deepStrictEqual(
        m && { id: m.entry.id, kind: m.kind, pattern: m.pattern, host: m.host },
        { id: "survival", kind: "exact", pattern: "mc.example.com", host: "mc.example.com" }
      )
      assert.strictEqual(idFor(table, "survival.example.com///1.2.3.4:5///6///sig"), "survival")
      assert.strictEqual(idFor(table, "mc.example.com:25565"), "survival")
    })

    it("reports the wildcard that matched", () => {
      const m = RoutingTable.resolve(table, "a.eu.example.com")
      assert.strictEqual(m?.kind, "wildcard")
      assert.strictEqual(m?.pattern, "*.eu.example.com")
      assert.strictEqual(m?.entry.value, "eu")
    })

    it("exact beats wildcard", () => assert.strictEqual(idFor(table, "mc.example.com"), "survival"))

    it("the more specific wildcard wins", () => {
      assert.strictEqual(idFor(table, "a.eu.example.com"), "eu")
      assert.strictEqual(idFor(table, "a.b.eu.example.com"), "eu")
      assert.strictEqual(idFor(table, "eu.example.com"), "lobby")
      assert.strictEqual(idFor(table, "x.example.com"), "lobby")
    })

    it("routes a Cloudflare-prefixed SRV target through a wildcard", () =>
      assert.strictEqual(idFor(table, "_dc-srv.3f2a1b.play.example.com"), "play"))

    it("misses cleanly", () => {
      assert.isUndefined(RoutingTable.resolve(table, "example.com"))
      assert.isUndefined(RoutingTable.resolve(table, ""))
      assert.isUndefined(RoutingTable.resolve(table, "example.org"))
    })

    it("never matches a host longer than 255 chars, even against *", () => {
      const all = RoutingTable.make([entry("any", "a.toml", ["*"])]).table
      assert.strictEqual(idFor(all, "a".repeat(255)), "any")
      assert.isUndefined(RoutingTable.resolve(all, "a".repeat(256)))
      assert.isUndefined(RoutingTable.resolve(all, "a".repeat(50_000) + "\0FML3\0"))
      assert.strictEqual(idFor(all, "\0FML3\0"), "any") // an empty host is matched by `*`
    })
  })

  describe("precedence", () => {
    it("a? (13 literals) beats * (12 literals)", () => {
      const { table } = RoutingTable.make([
        entry("star", "01-star.toml", ["*.example.com"]),
        entry("question", "99-question.toml", ["a?.example.com"])
      ])
      assert.strictEqual(idFor(table, "ab.example.com"), "question")
      assert.strictEqual(idFor(table, "abc.example.com"), "star")
    })

    it("equal specificity goes to file-name order, whatever the input order", () => {
      const a = entry("a", "10-a.toml", ["*.x.example.com"])
      const b = entry("b", "20-b.toml", ["x.*.example.com"])
      for (const input of [[a, b], [b, a]]) {
        assert.strictEqual(idFor(RoutingTable.make(input).table, "x.x.example.com"), "a")
      }
    })

    it("file names compare as strings: 10- sorts before 9-", () => {
      const { table } = RoutingTable.make([
        entry("nine", "9-nine.toml", ["*.example.com"]),
        entry("ten", "10-ten.toml", ["?.example.com"]) // 12 literals too
      ])
      assert.strictEqual(idFor(table, "a.example.com"), "ten")
    })

    it("within one file, earlier domains win ties", () => {
      const { table } = RoutingTable.make([entry("one", "a.toml", ["x*.example.com", "*x.example.com"])])
      assert.strictEqual(RoutingTable.resolve(table, "xx.example.com")?.pattern, "x*.example.com")
    })
  })

  it("matches the worked example in docs/routing.md", () => {
    const built = RoutingTable.make([
      entry("minigames", "40-minigames.toml", ["*.example.com"]),
      entry("survival", "30-survival.toml", ["survival.example.com"]),
      entry("events", "20-events.toml", ["*.events.example.com", "e?.example.com"]),
      entry("lobby", "10-lobby.toml", ["*.example.com"])
    ])
    const rows: ReadonlyArray<readonly [string, string | undefined]> = [
      ["survival.example.com", "survival"],
      ["SURVIVAL.example.com.\0FML3\0", "survival"],
      ["summer.events.example.com", "events"],
      ["eu.example.com", "events"],
      ["play.example.com", "lobby"],
      ["example.com", undefined]
    ]
    for (const [host, id] of rows) assert.strictEqual(idFor(built.table, host), id, host)
    assert.deepStrictEqual(built.conflicts.map((c) => [c.domain, c.winner.id, c.shadowed.map((s) => s.id)]), [
      ["*.example.com", "lobby", ["minigames"]]
    ])
  })

  describe("conflicts and warnings", () => {
    it("an exact domain claimed twice goes to the earliest file and is reported", () => {
      const built = RoutingTable.make([
        entry("late", "20-late.toml", ["mc.example.com"]),
        entry("early", "10-early.toml", ["MC.example.com."]),
        entry("latest", "30-latest.toml", ["mc.example.com:25565"])
      ])
      assert.strictEqual(idFor(built.table, "mc.example.com"), "early")
      assert.deepStrictEqual(built.conflicts, [{
        _tag: "DomainConflict",
        kind: "exact",
        domain: "mc.example.com",
        winner: { id: "early", file: "10-early.toml" },
        shadowed: [{ id: "late", file: "20-late.toml" }, { id: "latest", file: "30-latest.toml" }]
      }])
      assert.include(RoutingTable.formatIssue(built.conflicts[0]!), "'early' (10-early.toml) wins")
    })

    it("an identical wildcard claimed twice is reported", () => {
      const built = RoutingTable.make([
        entry("b", "b.toml", ["*.example.com"]),
        entry("a", "a.toml", ["*.Example.com."])
      ])
      assert.strictEqual(idFor(built.table, "x.example.com"), "a")
      assert.strictEqual(built.table.wildcards.length, 1)
      assert.deepStrictEqual(built.conflicts.map((c) => [c.kind, c.domain, c.winner.id]), [
        ["wildcard", "*.example.com", "a"]
      ])
    })

    it("one entry repeating a domain is not a conflict", () => {
      const built = RoutingTable.make([entry("a", "a.toml", ["mc.example.com", "MC.example.com.", "*.x", "*.X"])])
      assert.deepStrictEqual(built.conflicts, [])
    })

    it("warns about empty, over-long and non-ASCII domains and reused ids", () => {
      const built = RoutingTable.make([
        entry("a", "a.toml", ["", "  .  ", "x".repeat(300), "bücher.example"]),
        entry("a", "b.toml", ["b.example"])
      ])
      assert.deepStrictEqual(built.warnings.map((w) => w._tag), [
        "EmptyDomain", "EmptyDomain", "DomainTooLong", "NonAsciiDomain", "DuplicateId"
      ])
      for (const w of built.warnings) assert.isString(RoutingTable.formatIssue(w))
      assert.strictEqual(idFor(built.table, "bücher.example"), "a") // kept, only warned about
      assert.strictEqual(RoutingTable.get(built.table, "a")?.file, "a.toml")
    })
  })

  describe("accessors", () => {
    it("exposes entries in file order, size and lookup by id", () => {
      const { table } = RoutingTable.make([entry("b", "2.toml", []), entry("a", "1.toml", ["a.com"])])
      assert.deepStrictEqual(table.entries.map((e) => e.id), ["a", "b"])
      assert.strictEqual(table.size, 2)
      assert.strictEqual(RoutingTable.get(table, "b")?.file, "2.toml")
      assert.isUndefined(RoutingTable.get(table, "c"))
      assert.isTrue(Object.isFrozen(table) && Object.isFrozen(table.entries))
    })

    it("the empty table misses everything", () => {
      const table = RoutingTable.empty<string>()
      assert.strictEqual(table.size, 0)
      assert.isUndefined(RoutingTable.resolve(table, "mc.example.com"))
    })
  })

  describe("properties", () => {
    const label = fc.constantFrom("a", "b", "mc", "eu", "x")
    const domain = fc
      .array(fc.oneof(label, fc.constantFrom("*", "?", "a?", "*x")), { minLength: 1, maxLength: 3 })
      .map((labels) => [...labels, "example.com"].join("."))
    const entries = fc.uniqueArray(
      fc.record({
        id: fc.constantFrom("s1", "s2", "s3", "s4", "s5", "s6"),
        file: fc.constantFrom("10-a.toml", "20-b.toml", "20-b.toml", "9-c.toml"),
        domains: fc.array(domain, { maxLength: 4 })
      }),
      { selector: (e) => e.id, maxLength: 6 }
    ).map((es) => es.map((e): Entry => ({ ...e, value: e.id })))
    const host = fc
      .tuple(
        fc.array(fc.oneof(label, fc.constantFrom("ab", "ax", "bx", "mcx")), { minLength: 1, maxLength: 4 }),
        fc.constantFrom("", ".", "\0FML3\0", ":25565", "///1.2.3.4:5///6///7"),
        fc.boolean()
      )
      .map(([labels, tail, upper]) => {
        const h = [...labels, "example.com"].join(".") + tail
        return upper ? h.toUpperCase() : h
      })

    const withShuffle = entries.chain((es) =>
      fc.tuple(fc.constant(es), fc.shuffledSubarray(es, { minLength: es.length, maxLength: es.length }))
    )

    it("shuffling the entries never changes any lookup, conflict or warning", () => {
      fc.assert(
        fc.property(withShuffle, fc.array(host, { minLength: 1, maxLength: 8 }), ([es, shuffled], hosts) => {
          const one = RoutingTable.make(es)
          const two = RoutingTable.make(shuffled)
          for (const h of hosts) {
            const x = RoutingTable.resolve(one.table, h)
            const y = RoutingTable.resolve(two.table, h)
            if (x?.entry.id !== y?.entry.id || x?.pattern !== y?.pattern) return false
          }
          return JSON.stringify([one.conflicts, one.warnings]) === JSON.stringify([two.conflicts, two.warnings])
        }),
        { numRuns: 2_000 }
      )
    })

    /** The documented precedence rule, applied by brute force to every (entry, domain) pair. */
    const oracle = (es: ReadonlyArray<Entry>, rawHost: string) => {
      const host = normalizeHost(rawHost)
      const candidates = es.flatMap((e) =>
        e.domains.map((d, position) => ({ e, position, p: DomainPattern.compile(d) }))
          .filter(({ p }) => p.source !== "" && DomainPattern.matches(p, host))
      )
      const key = (c: (typeof candidates)[number]) =>
        [c.p._tag === "Exact" ? 1 : 0, c.p._tag === "Wildcard" ? c.p.specificity : 0] as const
      const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
      candidates.sort((a, b) =>
        key(b)[0] - key(a)[0] || key(b)[1] - key(a)[1] || cmp(a.e.file, b.e.file) || cmp(a.e.id, b.e.id) ||
        a.position - b.position
      )
      const best = candidates[0]
      return best && { id: best.e.id, pattern: best.p.source }
    }

    it("resolve follows the documented precedence rule (brute-force oracle)", () => {
      fc.assert(
        fc.property(entries, fc.array(host, { minLength: 1, maxLength: 8 }), (es, hosts) => {
          const { table } = RoutingTable.make(es)
          return hosts.every((h) => {
            const m = RoutingTable.resolve(table, h)
            const want = oracle(es, h)
            return m?.entry.id === want?.id && m?.pattern === want?.pattern
          })
        }),
        { numRuns: 3_000 }
      )
    })
  })
})
