/**
 * `[ip_filter]`: a non-empty whitelist wins over the blacklist, bare addresses are /32 and
 * /128, IPv4 clients match however Node writes them, and edits apply to the next check.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Ref } from "effect"
import type { IpFilterConfig } from "../../src/config/GlobalTables.ts"
import { allows, IpFilter } from "../../src/security/IpFilter.ts"

const filter = (whitelist: ReadonlyArray<string>, blacklist: ReadonlyArray<string>): IpFilterConfig => ({ whitelist, blacklist })

describe("IpFilter", () => {
  it("no table, or empty lists: everyone", () => {
    assert.isTrue(allows(undefined, "203.0.113.9"))
    assert.isTrue(allows(filter([], []), "203.0.113.9"))
  })

  it("blacklist: CIDR blocks and bare addresses (a /32 or /128)", () => {
    const f = filter([], ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "2001:db8:ffff::1"])
    assert.isFalse(allows(f, "10.200.3.4"))
    assert.isFalse(allows(f, "::ffff:10.1.1.1"), "IPv4-mapped IPv6 is the same client")
    assert.isFalse(allows(f, "192.0.2.7"))
    assert.isTrue(allows(f, "192.0.2.8"))
    assert.isFalse(allows(f, "2001:db8:1::5"))
    assert.isTrue(allows(f, "2001:db9::1"))
  })

  it("a non-empty whitelist wins: only its blocks pass, the blacklist is ignored", () => {
    const f = filter(["192.168.0.0/16", "2001:db8::1"], ["192.168.1.0/24"])
    assert.isTrue(allows(f, "192.168.1.5"), "whitelisted, even though blacklisted")
    assert.isTrue(allows(f, "2001:db8::1"))
    assert.isFalse(allows(f, "2001:db8::2"), "a bare IPv6 entry is a /128")
    assert.isFalse(allows(f, "8.8.8.8"))
    assert.isFalse(allows(f, "not an address"))
  })

  it.effect("the service reads the global table on every check and applies per-server tables", () =>
    Effect.gen(function*() {
      const ref = yield* Ref.make<IpFilterConfig | undefined>(undefined)
      const service = IpFilter.make(Ref.get(ref))
      assert.isTrue(yield* service.allowedGlobally("198.51.100.4"))
      yield* Ref.set(ref, filter([], ["198.51.100.0/24"]))
      assert.isFalse(yield* service.allowedGlobally("198.51.100.4"))
      yield* Ref.set(ref, undefined)
      assert.isTrue(yield* service.allowedGlobally("198.51.100.4"))
      assert.isFalse(allows(filter(["127.0.0.1"], []), "198.51.100.4"))
      assert.isTrue(allows(filter(["127.0.0.1"], []), "127.0.0.1"))
      assert.isTrue(allows(undefined, "198.51.100.4"))
    }))
})
