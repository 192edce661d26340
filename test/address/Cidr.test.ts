import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import {
  type Cidr,
  cidrContains,
  formatCidr,
  ipv6Prefix,
  makeCidrSet,
  parseCidr,
  parseCidrSet
} from "../../src/address/Cidr.ts"
import { formatIp, type IpAddress, normalizeIp } from "../../src/address/IpAddress.ts"
import { arbIp, arbIpv4, arbIpv6 } from "../proxy-protocol/arbitraries.ts"

const cidr = (text: string): Cidr => {
  const r = parseCidr(text)
  if (Result.isFailure(r)) return assert.fail(`${text} should parse: ${r.failure.message}`)
  return r.success
}

const rejection = (text: string): string => {
  const r = parseCidr(text)
  if (Result.isSuccess(r)) return assert.fail(`${JSON.stringify(text)} should be rejected, got ${formatCidr(r.success)}`)
  return r.failure.message
}

/** Bits of the address in its own family: 32 for IPv4, 128 for IPv6. */
const width = (ip: IpAddress): number => ip.family === 4 ? 32 : 128

/** The address with bit `n` (counted in its own family, from the top) flipped. */
const flipBit = (ip: IpAddress, n: number): IpAddress => {
  const bit = (ip.family === 4 ? 96 : 0) + n
  const bytes = ip.bytes.slice()
  bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) ^ (0x80 >> (bit & 7))
  return { family: ip.family, bytes }
}

const arbIpWithBits = arbIp.chain((ip) => fc.tuple(fc.constant(ip), fc.integer({ min: 0, max: width(ip) })))

describe("Cidr", () => {
  it("parses blocks and bare addresses", () => {
    assert.strictEqual(formatCidr(cidr("10.0.0.0/8")), "10.0.0.0/8")
    assert.strictEqual(formatCidr(cidr("2001:DB8::/32")), "2001:db8::/32")
    assert.strictEqual(formatCidr(cidr("192.168.1.7")), "192.168.1.7/32")
    assert.strictEqual(formatCidr(cidr("::1")), "::1/128")
    assert.strictEqual(formatCidr(cidr("0.0.0.0/0")), "0.0.0.0/0")
    assert.strictEqual(formatCidr(cidr("::/0")), "::/0")
    assert.strictEqual(formatCidr(cidr("::ffff:10.0.0.0/104")), "::ffff:10.0.0.0/104")
  })

  it("masks host bits below the prefix", () => {
    assert.strictEqual(formatCidr(cidr("10.0.0.1/8")), "10.0.0.0/8")
    assert.strictEqual(formatCidr(cidr("10.255.3.1/12")), "10.240.0.0/12")
    assert.strictEqual(formatCidr(cidr("2001:db8::1/32")), "2001:db8::/32")
    assert.strictEqual(formatCidr(cidr("2001:db8:ffff::/33")), "2001:db8:8000::/33")
  })

  it("rejects bad blocks with a message fit for a config error", () => {
    assert.include(rejection("10.0.0.0/33"), "IPv4 prefix length must be 0-32, got 33")
    assert.include(rejection("::/129"), "IPv6 prefix length must be 0-128, got 129")
    assert.include(rejection("10.0.0.0/"), "prefix length")
    assert.include(rejection("10.0.0/8"), "bad address \"10.0.0\"")
    for (const junk of ["", "/8", "10.0.0.0/-1", "10.0.0.0/08", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0/1e1", "junk", "fe80::/10%eth0"]) {
      assert.isTrue(rejection(junk).length > 0, junk)
    }
  })

  it("formatCidr(parseCidr(x)) is canonical and idempotent", () => {
    fc.assert(fc.property(arbIpWithBits, ([ip, bits]) => {
      const text = formatCidr(cidr(`${formatIp(ip)}/${bits}`))
      assert.strictEqual(formatCidr(cidr(text)), text)
    }), { numRuns: 2000 })
  })

  it("contains every address in its own /N network, for every N", () => {
    fc.assert(fc.property(arbIpWithBits, ([ip, bits]) => {
      const block = cidr(`${formatIp(ip)}/${bits}`)
      assert.isTrue(cidrContains(block, ip))
      assert.isTrue(makeCidrSet([block]).contains(ip))
      assert.isTrue(makeCidrSet([block]).contains(formatIp(ip)))
    }), { numRuns: 3000 })
  })

  it("does not contain an address of a disjoint network", () => {
    fc.assert(fc.property(arbIpWithBits.filter(([, bits]) => bits > 0), ([ip, bits]) => {
      // Flipping the last prefix bit gives the sibling network, which shares no address.
      const sibling = cidr(`${formatIp(flipBit(ip, bits - 1))}/${bits}`)
      assert.isFalse(cidrContains(sibling, ip))
      assert.isFalse(makeCidrSet([sibling]).contains(ip))
    }), { numRuns: 3000 })
  })

  it("matches IPv4 clients written as IPv4 or as IPv4-mapped IPv6 alike", () => {
    const arbRule = arbIpv4.chain((ip) => fc.integer({ min: 0, max: 32 }).map((bits) => `${formatIp(ip)}/${bits}`))
    fc.assert(fc.property(fc.array(arbRule, { maxLength: 4 }), arbIpv4, (rules, client) => {
      const set = Result.getOrThrow(parseCidrSet(rules))
      const quad = formatIp(client)
      const expected = set.contains(quad)
      assert.strictEqual(set.contains(`::ffff:${quad}`), expected)
      assert.strictEqual(set.contains(`::FFFF:${quad}`), expected)
      assert.strictEqual(set.contains({ family: 6, bytes: client.bytes }), expected)
      // The same rule written in mapped IPv6 form behaves identically.
      const mapped = Result.getOrThrow(parseCidrSet(rules.map((r) => {
        const [a = "", b = "32"] = r.split("/")
        return `::ffff:${a}/${96 + Number(b)}`
      })))
      assert.strictEqual(mapped.contains(quad), expected)
    }), { numRuns: 2000 })
  })

  describe("CidrSet", () => {
    it("matches any of its blocks and nothing else", () => {
      const set = Result.getOrThrow(parseCidrSet(["10.0.0.0/8", "192.168.1.1", "2001:db8::/32"]))
      assert.isTrue(set.contains("10.1.2.3"))
      assert.isTrue(set.contains("::ffff:10.1.2.3"))
      assert.isTrue(set.contains("192.168.1.1"))
      assert.isFalse(set.contains("192.168.1.2"))
      assert.isTrue(set.contains("2001:db8:ffff::1"))
      assert.isFalse(set.contains("2001:db9::1"))
      assert.isFalse(set.contains("11.0.0.0"))
      assert.strictEqual(set.cidrs.length, 3)
    })

    it("answers false for text that is not an address, and an empty set contains nothing", () => {
      const set = Result.getOrThrow(parseCidrSet(["0.0.0.0/0", "::/0"]))
      assert.isFalse(set.contains("not an ip"))
      assert.isFalse(set.contains(""))
      assert.isFalse(makeCidrSet([]).contains("1.2.3.4"))
    })

    it("drops a zone id from a Node-style remote address", () => {
      assert.isTrue(Result.getOrThrow(parseCidrSet(["fe80::/10"])).contains("fe80::1%eth0"))
    })

    it("lets an IPv6 rule that covers the mapped range match IPv4 clients", () => {
      assert.isTrue(Result.getOrThrow(parseCidrSet(["::/0"])).contains("1.2.3.4"))
      assert.isTrue(Result.getOrThrow(parseCidrSet(["::ffff:0:0/96"])).contains("1.2.3.4"))
      assert.isFalse(Result.getOrThrow(parseCidrSet(["2000::/3"])).contains("1.2.3.4"))
    })

    it("fails on the first bad entry, naming it", () => {
      const r = parseCidrSet(["10.0.0.0/8", "10.0.0.0/40", "junk"])
      assert.isTrue(Result.isFailure(r))
      if (Result.isFailure(r)) assert.strictEqual(r.failure.input, "10.0.0.0/40")
    })
  })

  describe("ipv6Prefix", () => {
    it("keys IPv6 by network and IPv4 by address", () => {
      assert.strictEqual(ipv6Prefix("2001:db8:1:2:3:4:5:6", 64), "2001:db8:1:2::/64")
      assert.strictEqual(ipv6Prefix("2001:DB8:1:2::", 64), "2001:db8:1:2::/64")
      assert.strictEqual(ipv6Prefix("2001:db8:1:2:3:4:5:6", 48), "2001:db8:1::/48")
      assert.strictEqual(ipv6Prefix("2001:db8::1", 200), "2001:db8::1/128")
      assert.strictEqual(ipv6Prefix("2001:db8::1", -5), "::/0")
      assert.strictEqual(ipv6Prefix("1.2.3.4", 64), "1.2.3.4")
      assert.strictEqual(ipv6Prefix("::ffff:1.2.3.4", 64), "1.2.3.4")
      assert.strictEqual(ipv6Prefix("fe80::1%eth0", 64), "fe80::/64")
      assert.strictEqual(ipv6Prefix("junk", 64), "junk")
    })

    it("gives the same key exactly when the first N bits agree", () => {
      const arbNonMapped = arbIpv6.map(normalizeIp).filter((ip) => ip.family === 6)
      fc.assert(fc.property(arbNonMapped, fc.integer({ min: 1, max: 128 }), fc.integer({ min: 0, max: 127 }), (ip, bits, flip) => {
        const other = flipBit(ip, flip)
        if (normalizeIp(other).family === 4) return // flipping made it mapped: keyed as IPv4
        assert.strictEqual(ipv6Prefix(ip, bits) === ipv6Prefix(other, bits), flip >= bits)
        assert.strictEqual(ipv6Prefix(formatIp(ip), bits), ipv6Prefix(ip, bits))
      }), { numRuns: 3000 })
    })
  })
})
