import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import {
  formatIp,
  type IpAddress,
  isIpv4Mapped,
  normalizeIp,
  normalizeRemoteAddress,
  parseIp,
  parseRemoteAddress
} from "../../src/address/IpAddress.ts"
import { arbIp, arbIpv4, arbIpv6 } from "../proxy-protocol/arbitraries.ts"

const parsed = (text: string): IpAddress => {
  const r = parseIp(text)
  if (Result.isFailure(r)) return assert.fail(`${text} should parse: ${r.failure.message}`)
  return r.success
}

const rejects = (text: string): string => {
  const r = parseIp(text)
  if (Result.isSuccess(r)) return assert.fail(`${JSON.stringify(text)} should be rejected, got ${formatIp(r.success)}`)
  return r.failure.message
}

/** WHATWG URL serialises IPv6 hosts the RFC 5952 way (mapped ones in hex): an independent oracle. */
const urlForm = (ip: IpAddress): string => new URL(`http://[${formatIp({ family: 6, bytes: ip.bytes })}]/`).hostname.slice(1, -1)

describe("IpAddress", () => {
  it("parses and formats the usual forms canonically", () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ["0.0.0.0", "0.0.0.0"],
      ["255.255.255.255", "255.255.255.255"],
      ["::", "::"],
      ["::1", "::1"],
      ["1::", "1::"],
      ["2001:DB8:0:0:0:0:0:7", "2001:db8::7"],
      ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"],
      ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
      ["0:0:0:0:0:ffff:102:304", "::ffff:1.2.3.4"],
      ["::FFFF:1.2.3.4", "::ffff:1.2.3.4"],
      ["::1.2.3.4", "::102:304"],
      ["64:ff9b::192.0.2.33", "64:ff9b::c000:221"],
      ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304"],
      ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
      ["1:0:0:2:0:0:3:4", "1::2:0:0:3:4"]
    ]
    for (const [input, canonical] of cases) assert.strictEqual(formatIp(parsed(input)), canonical, input)
  })

  it("rejects junk with a reason", () => {
    const junk = [
      "", " 1.2.3.4", "1.2.3.4 ", "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.00", "256.1.1.1", "1.2.3.-4", "1..2.3",
      "0x1.2.3.4", "1.2.3.4/8", "example.com", ":", ":::", "::1::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "12345::",
      "g::", ":1::", "1::2:", "1.2.3.4::", "::1.2.3", "::1.2.3.4:5", "1:2:3:4:5:6:7::8", "::ffff:01.2.3.4",
      "fe80::1%eth0", "1:2:3:4:5:6:7:1.2.3.4"
    ]
    for (const text of junk) assert.isTrue(rejects(text).length > 0)
    assert.include(rejects("fe80::1%eth0"), "zone")
    assert.include(rejects("01.2.3.4"), "leading zeros")
    assert.include(rejects("256.1.1.1"), "over 255")
  })

  it("keeps the family an address was written in", () => {
    assert.strictEqual(parsed("1.2.3.4").family, 4)
    assert.strictEqual(parsed("::ffff:1.2.3.4").family, 6)
    assert.deepStrictEqual(parsed("1.2.3.4").bytes, parsed("::ffff:1.2.3.4").bytes)
    assert.isTrue(isIpv4Mapped(parsed("1.2.3.4")))
  })

  it("formats IPv6 like the WHATWG URL serialiser (RFC 5952)", () => {
    fc.assert(fc.property(arbIpv6, (ip) => {
      const expected = isIpv4Mapped(ip) ? `::ffff:${formatIp(normalizeIp(ip))}` : urlForm(ip)
      assert.strictEqual(formatIp(ip), expected)
    }), { numRuns: 2000 })
  })

  it("format(parse(x)) is canonical and idempotent", () => {
    fc.assert(fc.property(arbIp, (ip) => {
      const text = formatIp(ip)
      const back = parsed(text)
      assert.strictEqual(back.family, ip.family)
      assert.deepStrictEqual(back.bytes, ip.bytes)
      assert.strictEqual(formatIp(back), text)
    }), { numRuns: 2000 })
  })

  it("accepts every textual form fast-check generates and agrees with URL on its value", () => {
    fc.assert(fc.property(fc.ipV6(), (text) => {
      const ip = parsed(text)
      assert.strictEqual(urlForm(ip), new URL(`http://[${text}]/`).hostname.slice(1, -1))
      assert.strictEqual(formatIp(parsed(formatIp(ip))), formatIp(ip))
    }), { numRuns: 2000 })
    fc.assert(fc.property(fc.ipV4(), (text) => assert.strictEqual(formatIp(parsed(text)), text)))
  })

  it("only accepts octal/hex-looking IPv4 when it is already canonical", () => {
    fc.assert(fc.property(fc.ipV4Extended(), (text) => {
      const r = parseIp(text)
      if (Result.isSuccess(r)) assert.strictEqual(formatIp(r.success), text)
    }))
  })

  it("is total on arbitrary text", () => {
    const chars = fc.constantFrom(..."0123456789abcdefABCDEFg:.%/ ")
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: chars, maxLength: 50 })), (text) => {
      const r = parseIp(text)
      if (Result.isSuccess(r)) {
        assert.strictEqual(r.success.bytes.length, 16)
        assert.deepStrictEqual(parsed(formatIp(r.success)).bytes, r.success.bytes)
      }
    }), { numRuns: 5000 })
  })

  describe("normalizeRemoteAddress", () => {
    it("gives one form per client", () => {
      assert.strictEqual(normalizeRemoteAddress("::ffff:1.2.3.4"), "1.2.3.4")
      assert.strictEqual(normalizeRemoteAddress("::FFFF:1.2.3.4"), "1.2.3.4")
      assert.strictEqual(normalizeRemoteAddress("::ffff:102:304"), "1.2.3.4")
      assert.strictEqual(normalizeRemoteAddress("1.2.3.4"), "1.2.3.4")
      assert.strictEqual(normalizeRemoteAddress("2001:DB8:0::1"), "2001:db8::1")
      assert.strictEqual(normalizeRemoteAddress("fe80::1%eth0"), "fe80::1")
      assert.strictEqual(normalizeRemoteAddress("not an address"), "not an address")
      assert.strictEqual(normalizeRemoteAddress(""), "")
    })

    it("maps an IPv4 client to the same text whichever way it is written", () => {
      fc.assert(fc.property(arbIpv4, (ip) => {
        const quad = formatIp(ip)
        assert.strictEqual(normalizeRemoteAddress(quad), quad)
        assert.strictEqual(normalizeRemoteAddress(`::ffff:${quad}`), quad)
      }))
    })

    it("drops zone ids only where parseRemoteAddress is used", () => {
      assert.isTrue(Result.isSuccess(parseRemoteAddress("fe80::1%25")))
      assert.isTrue(Result.isFailure(parseRemoteAddress("1.2.3.4%eth0")))
    })
  })
})
