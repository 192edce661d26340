import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import type { Decode } from "../../src/protocol/Decode.ts"
import { decodeProxyHeader, encodeProxyHeaderV1, type ProxyHeader } from "../../src/proxy-protocol/ProxyHeader.ts"
import { formatIp, normalizeIp, normalizeRemoteAddress } from "../../src/address/IpAddress.ts"
import { arbEndpoint, ascii, concat } from "./arbitraries.ts"

const decodeText = (text: string): Decode<ProxyHeader> => decodeProxyHeader(ascii(text), 0)

const expectDone = (text: string): ProxyHeader => {
  const r = decodeText(text)
  if (r._tag !== "Done") return assert.fail(`expected Done for ${JSON.stringify(text)}, got ${r._tag}`)
  return r.value
}

const expectError = (text: string, field: string, reason: string = "Malformed"): string => {
  const r = decodeText(text)
  if (r._tag !== "ProtocolError") return assert.fail(`expected an error for ${JSON.stringify(text)}, got ${r._tag}`)
  assert.strictEqual(r.field, field, r.message)
  assert.strictEqual(r.reason, reason, r.message)
  return r.message
}

const FULL_V6 = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"

describe("ProxyHeaderV1", () => {
  describe("fixed vectors", () => {
    it("decodes the TCP4 line HAProxy 2.6 sends, leaving the payload", () => {
      const line = "PROXY TCP4 127.0.0.1 127.0.0.1 51234 26001\r\n"
      const bytes = concat(ascii(line), Uint8Array.of(0x10, 0x00))
      const r = decodeProxyHeader(bytes, 0)
      assert.deepStrictEqual(r, {
        _tag: "Done",
        value: {
          version: 1,
          command: "proxy",
          source: { address: "127.0.0.1", port: 51234 },
          destination: { address: "127.0.0.1", port: 26001 },
          headerLength: 44
        },
        offset: 44
      })
    })

    it("decodes TCP6 and canonicalises the addresses", () => {
      const header = expectDone("PROXY TCP6 2001:db8::7 2001:DB8:0:0:0:0:0:1 51234 25565\r\n")
      assert.deepStrictEqual(header.source, { address: "2001:db8::7", port: 51234 })
      assert.deepStrictEqual(header.destination, { address: "2001:db8::1", port: 25565 })
      const mapped = expectDone("PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n")
      assert.strictEqual(mapped.source?.address, "::ffff:1.2.3.4")
    })

    it("decodes UNKNOWN without addresses, ignoring the rest of the line", () => {
      assert.deepStrictEqual(expectDone("PROXY UNKNOWN\r\n"), { version: 1, command: "proxy", headerLength: 15 })
      const worst = `PROXY UNKNOWN ${FULL_V6} ${FULL_V6} 65535 65535\r\n`
      assert.strictEqual(worst.length, 107)
      assert.deepStrictEqual(expectDone(worst), { version: 1, command: "proxy", headerLength: 107 })
      assert.isUndefined(expectDone("PROXY UNKNOWN anything: at all!\r\n").source)
    })

    it("accepts the longest TCP4 line (56 bytes) and edge ports", () => {
      const header = expectDone("PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n")
      assert.deepStrictEqual(header.source, { address: "255.255.255.255", port: 65535 })
      assert.deepStrictEqual(header.destination, { address: "0.0.0.0", port: 0 })
      assert.strictEqual(expectDone("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n").headerLength, 56)
    })
  })

  describe("malformed lines", () => {
    it("refuses a line without CRLF within 107 bytes", () => {
      const noCrlf = `PROXY UNKNOWN ${"a".repeat(93)}`
      assert.strictEqual(noCrlf.length, 107)
      expectError(noCrlf, "proxy.v1.line", "TooLarge")
      assert.strictEqual(decodeText(noCrlf.slice(0, 106))._tag, "NeedMore")
      // CRLF ending at byte 108 is one byte too late.
      expectError(`PROXY UNKNOWN ${"a".repeat(92)}\r\n`, "proxy.v1.line", "TooLarge")
    })

    it("refuses a TCP4 line as soon as it passes 56 bytes without CRLF", () => {
      expectError(`PROXY TCP4 ${"1".repeat(45)}`, "proxy.v1.line", "TooLarge")
      assert.strictEqual(decodeText(`PROXY TCP4 ${"1".repeat(44)}`)._tag, "NeedMore")
    })

    it("refuses bad IPv4 addresses", () => {
      assert.include(expectError("PROXY TCP4 256.1.1.1 1.1.1.1 1 2\r\n", "proxy.v1.source_address"), "256")
      assert.include(expectError("PROXY TCP4 01.2.3.4 1.1.1.1 1 2\r\n", "proxy.v1.source_address"), "leading zeros")
      expectError("PROXY TCP4 1.2.3.4 1.2.3 1 2\r\n", "proxy.v1.destination_address")
      expectError("PROXY TCP4 1.2.3.4 1.2.3.4.5 1 2\r\n", "proxy.v1.destination_address")
    })

    it("refuses addresses of the other family", () => {
      expectError("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "proxy.v1.source_address")
      expectError("PROXY TCP6 ::1 1.2.3.4 1 2\r\n", "proxy.v1.destination_address")
      // ':' is not in a TCP4 line's alphabet, so this fails before CRLF arrives.
      expectError("PROXY TCP4 ::1", "proxy.v1.line")
    })

    it("refuses bad IPv6 addresses and zone ids", () => {
      expectError("PROXY TCP6 1::2::3 ::1 1 2\r\n", "proxy.v1.source_address")
      expectError("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", "proxy.v1.source_address")
      expectError("PROXY TCP6 fe80::1%eth0", "proxy.v1.line")
    })

    it("refuses ports out of range or with leading zeros", () => {
      assert.include(expectError("PROXY TCP4 1.2.3.4 5.6.7.8 65536 1\r\n", "proxy.v1.source_port"), "over 65535")
      expectError("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n", "proxy.v1.destination_port")
      expectError("PROXY TCP4 1.2.3.4 5.6.7.8 01234 1\r\n", "proxy.v1.source_port")
      expectError("PROXY TCP4 1.2.3.4 5.6.7.8 1 00\r\n", "proxy.v1.destination_port")
      expectError("PROXY TCP4 1.2.3.4 5.6.7.8 -1 1\r\n", "proxy.v1.line")
    })

    it("refuses wrong field counts and spacing", () => {
      expectError("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "proxy.v1.line")
      expectError("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 3\r\n", "proxy.v1.line")
      expectError("PROXY TCP4 1.2.3.4  5.6.7.8 1 2\r\n", "proxy.v1.line")
      expectError("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "proxy.v1.line")
      expectError("PROXY TCP4\r\n", "proxy.v1.line")
      expectError("PROXY  TCP4 1.2.3.4 5.6.7.8 1 2\r\n", "proxy.v1.protocol")
      expectError("PROXYTCP4", "proxy.v1.line")
    })

    it("refuses a lone CR or LF", () => {
      expectError("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "proxy.v1.line")
      expectError("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", "proxy.v1.line")
      expectError("PROXY UNKNOWN\n", "proxy.v1.line")
    })

    it("refuses an unknown protocol word as soon as it diverges", () => {
      expectError("PROXY UD", "proxy.v1.protocol")
      expectError("PROXY TCP5", "proxy.v1.protocol")
      expectError("PROXY UNKNOWNX", "proxy.v1.protocol")
      expectError("PROXY tcp4 1.2.3.4 5.6.7.8 1 2\r\n", "proxy.v1.protocol")
      assert.strictEqual(decodeText("PROXY UNKNOW")._tag, "NeedMore")
      assert.strictEqual(decodeText("PROXY TCP")._tag, "NeedMore")
    })

    it("refuses non-ASCII bytes after UNKNOWN", () => {
      const r = decodeProxyHeader(concat(ascii("PROXY UNKNOWN "), Uint8Array.of(0xc3, 0xa9), ascii("\r\n")), 0)
      assert.strictEqual(r._tag, "ProtocolError")
    })
  })

  describe("encoder", () => {
    it("round-trips any pair of endpoints, choosing TCP4 only when both are IPv4", () => {
      fc.assert(fc.property(arbEndpoint, arbEndpoint, (src, dst) => {
        const bytes = encodeProxyHeaderV1(src, dst)
        const bothV4 = normalizeIp(src.address).family === 4 && normalizeIp(dst.address).family === 4
        assert.isAtMost(bytes.length, bothV4 ? 56 : 107)
        const r = decodeProxyHeader(bytes, 0)
        if (r._tag !== "Done") return assert.fail(`expected Done, got ${r._tag}`)
        assert.strictEqual(r.offset, bytes.length)
        assert.strictEqual(r.value.headerLength, bytes.length)
        const { source, destination } = r.value
        assert.strictEqual(normalizeRemoteAddress(source?.address ?? ""), normalizeRemoteAddress(formatIp(src.address)))
        assert.strictEqual(normalizeRemoteAddress(destination?.address ?? ""), normalizeRemoteAddress(formatIp(dst.address)))
        assert.strictEqual(source?.address.includes(":"), !bothV4)
        assert.strictEqual(source?.port, src.port)
        assert.strictEqual(destination?.port, dst.port)
      }), { numRuns: 1000 })
    })

    it("writes the exact HAProxy line", () => {
      const ip = (q: string) => ({ family: 4 as const, bytes: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, ...q.split(".").map(Number)) })
      const bytes = encodeProxyHeaderV1({ address: ip("127.0.0.1"), port: 51234 }, { address: ip("127.0.0.1"), port: 26001 })
      assert.strictEqual(String.fromCharCode(...bytes), "PROXY TCP4 127.0.0.1 127.0.0.1 51234 26001\r\n")
    })
  })
})
