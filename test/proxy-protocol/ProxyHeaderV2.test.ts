import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import type { Decode } from "../../src/protocol/Decode.ts"
import {
  decodeProxyHeader,
  encodeProxyHeaderV2,
  encodeProxyHeaderV2Local,
  MAX_V2_PAYLOAD_LENGTH,
  type ProxyHeader
} from "../../src/proxy-protocol/ProxyHeader.ts"
import { formatIp, normalizeIp, normalizeRemoteAddress } from "../../src/address/IpAddress.ts"
import { arbEndpoint, ascii, concat, crc32c, hex } from "./arbitraries.ts"

const SIGNATURE = "0d0a0d0a000d0a515549540a"

/** HAProxy 2.6 `send-proxy-v2`: TCP over IPv4, 127.0.0.1:51234 -> 127.0.0.1:26001. */
const V2_IPV4 = hex(`${SIGNATURE} 21 11 000c 7f000001 7f000001 c822 6591`)

/**
 * The same with `proxy-v2-options crc32c,unique-id` and a UUID unique id: TLV 0x03 (CRC32c of
 * the whole header with the field zeroed, RFC 4960 appendix B) and TLV 0x05, 74 bytes in all.
 * Built from the spec, not captured from a live HAProxy, so the TLV order is an assumption
 * (the decoder does not depend on it).
 */
const UNIQUE_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
const V2_WITH_TLVS = concat(
  hex(`${SIGNATURE} 21 11 003a 7f000001 7f000001 c822 6591 03 0004 c452fdc4 05 0024`),
  ascii(UNIQUE_ID)
)

/** A LOCAL command (health check): family UNSPEC, no addresses. */
const V2_LOCAL = hex(`${SIGNATURE} 20 00 0000`)

const expectDone = (r: Decode<ProxyHeader>): ProxyHeader => {
  if (r._tag !== "Done") return assert.fail(`expected Done, got ${r._tag}${r._tag === "ProtocolError" ? `: ${r.message}` : ""}`)
  return r.value
}

const expectError = (bytes: Uint8Array, field: string, reason: string = "Malformed"): void => {
  const r = decodeProxyHeader(bytes, 0)
  if (r._tag !== "ProtocolError") return assert.fail(`expected an error, got ${r._tag}`)
  assert.strictEqual(r.field, field, r.message)
  assert.strictEqual(r.reason, reason, r.message)
}

const LOCALHOST = {
  version: 2,
  command: "proxy",
  source: { address: "127.0.0.1", port: 51234 },
  destination: { address: "127.0.0.1", port: 26001 }
} as const

describe("ProxyHeaderV2", () => {
  describe("fixed vectors", () => {
    it("decodes the 28-byte TCP over IPv4 header", () => {
      const r = decodeProxyHeader(concat(V2_IPV4, Uint8Array.of(0x10, 0x00)), 0)
      assert.deepStrictEqual(r, { _tag: "Done", value: { ...LOCALHOST, headerLength: 28 }, offset: 28 })
    })

    it("skips the CRC32c and unique-id TLVs of the 74-byte header", () => {
      assert.strictEqual(V2_WITH_TLVS.length, 74)
      const zeroed = V2_WITH_TLVS.slice()
      zeroed.fill(0, 31, 35)
      assert.strictEqual(crc32c(zeroed), 0xc452fdc4, "the vector's checksum is right")
      const r = decodeProxyHeader(concat(V2_WITH_TLVS, ascii("payload")), 0)
      assert.deepStrictEqual(r, { _tag: "Done", value: { ...LOCALHOST, headerLength: 74 }, offset: 74 })
    })

    it("decodes LOCAL without addresses, even when it carries some", () => {
      assert.deepStrictEqual(decodeProxyHeader(V2_LOCAL, 0), {
        _tag: "Done",
        value: { version: 2, command: "local", headerLength: 16 },
        offset: 16
      })
      const withBlock = hex(`${SIGNATURE} 20 11 000c 7f000001 7f000001 c822 6591`)
      assert.deepStrictEqual(expectDone(decodeProxyHeader(withBlock, 0)), { version: 2, command: "local", headerLength: 28 })
      // Spec: under LOCAL the family "is ignored", undefined values included.
      assert.strictEqual(decodeProxyHeader(hex(`${SIGNATURE} 20 ff 0000`), 0)._tag, "Done")
    })

    it("decodes TCP over IPv6, mapped addresses in mixed notation", () => {
      const bytes = hex(`${SIGNATURE} 21 21 0024
        20010db8000000000000000000000007 00000000000000000000ffff01020304 c822 63dd`)
      const header = expectDone(decodeProxyHeader(bytes, 0))
      assert.deepStrictEqual(header.source, { address: "2001:db8::7", port: 51234 })
      assert.deepStrictEqual(header.destination, { address: "::ffff:1.2.3.4", port: 25565 })
    })

    it("keeps the peer address for PROXY with UNSPEC, UDP or UNIX, skipping the block", () => {
      for (const [family, block] of [["00", 0], ["12", 12], ["22", 36], ["31", 216], ["32", 216], ["10", 0], ["01", 0]] as const) {
        const length = block + 5
        const bytes = concat(hex(`${SIGNATURE} 21 ${family} ${length.toString(16).padStart(4, "0")}`), new Uint8Array(length))
        assert.deepStrictEqual(
          expectDone(decodeProxyHeader(concat(bytes, ascii("x")), 0)),
          { version: 2, command: "proxy", headerLength: 16 + length },
          family
        )
      }
    })
  })

  describe("malformed headers", () => {
    it("refuses a wrong version nibble on byte 13, before the rest arrives", () => {
      expectError(hex(`${SIGNATURE} 11`), "proxy.v2.version")
      expectError(hex(`${SIGNATURE} 01`), "proxy.v2.version")
      expectError(hex(`${SIGNATURE} 31 11 000c`), "proxy.v2.version")
    })

    it("refuses commands other than LOCAL and PROXY", () => {
      expectError(hex(`${SIGNATURE} 22`), "proxy.v2.command")
      expectError(hex(`${SIGNATURE} 2f`), "proxy.v2.command")
    })

    it("refuses undefined families under PROXY", () => {
      expectError(hex(`${SIGNATURE} 21 41`), "proxy.v2.family")
      expectError(hex(`${SIGNATURE} 21 13`), "proxy.v2.family")
      expectError(hex(`${SIGNATURE} 21 f1`), "proxy.v2.family")
    })

    it("bounds the declared length", () => {
      const over = MAX_V2_PAYLOAD_LENGTH + 1
      expectError(hex(`${SIGNATURE} 21 11 ${over.toString(16).padStart(4, "0")}`), "proxy.v2.length", "TooLarge")
      expectError(hex(`${SIGNATURE} 20 00 ffff`), "proxy.v2.length", "TooLarge")
      const atLimit = hex(`${SIGNATURE} 20 00 ${MAX_V2_PAYLOAD_LENGTH.toString(16).padStart(4, "0")}`)
      assert.strictEqual(decodeProxyHeader(atLimit, 0)._tag, "NeedMore")
      assert.strictEqual(decodeProxyHeader(concat(atLimit, new Uint8Array(MAX_V2_PAYLOAD_LENGTH)), 0)._tag, "Done")
    })

    it("refuses a length shorter than the family's address block", () => {
      expectError(hex(`${SIGNATURE} 21 11 000b`), "proxy.v2.length")
      expectError(hex(`${SIGNATURE} 21 21 0023`), "proxy.v2.length")
      expectError(hex(`${SIGNATURE} 21 31 00d7`), "proxy.v2.length")
    })
  })

  describe("encoder", () => {
    it("writes the exact HAProxy bytes and a 16-byte LOCAL", () => {
      const ip = { family: 4 as const, bytes: hex("00000000000000000000ffff7f000001") }
      assert.deepStrictEqual(encodeProxyHeaderV2({ address: ip, port: 51234 }, { address: ip, port: 26001 }), V2_IPV4)
      assert.deepStrictEqual(encodeProxyHeaderV2Local(), V2_LOCAL)
    })

    it("round-trips any pair of endpoints in 28 or 52 bytes", () => {
      fc.assert(fc.property(arbEndpoint, arbEndpoint, (src, dst) => {
        const bytes = encodeProxyHeaderV2(src, dst)
        const bothV4 = normalizeIp(src.address).family === 4 && normalizeIp(dst.address).family === 4
        assert.strictEqual(bytes.length, bothV4 ? 28 : 52)
        const r = decodeProxyHeader(bytes, 0)
        const header = expectDone(r)
        assert.strictEqual(r._tag === "Done" && r.offset, bytes.length)
        assert.strictEqual(header.headerLength, bytes.length)
        assert.strictEqual(normalizeRemoteAddress(header.source?.address ?? ""), normalizeRemoteAddress(formatIp(src.address)))
        assert.strictEqual(normalizeRemoteAddress(header.destination?.address ?? ""), normalizeRemoteAddress(formatIp(dst.address)))
        assert.strictEqual(header.source?.address.includes(":"), !bothV4)
        assert.strictEqual(header.source?.port, src.port)
        assert.strictEqual(header.destination?.port, dst.port)
      }), { numRuns: 1000 })
    })

    it("decodes the same addresses with arbitrary TLV bytes covered by the length", () => {
      const arbTlvs = fc.uint8Array({ maxLength: 300 })
      const arbPayload = fc.uint8Array({ maxLength: 40 })
      fc.assert(fc.property(arbEndpoint, arbEndpoint, arbTlvs, arbPayload, (src, dst, tlvs, payload) => {
        const plain = encodeProxyHeaderV2(src, dst)
        const header = concat(plain, tlvs)
        const length = plain.length - 16 + tlvs.length
        header[14] = length >> 8
        header[15] = length & 0xff
        const input = concat(header, payload)
        const copy = input.slice()
        const r = decodeProxyHeader(input, 0)
        const withTlvs = expectDone(r)
        const without = expectDone(decodeProxyHeader(plain, 0))
        assert.deepStrictEqual(withTlvs, { ...without, headerLength: header.length })
        assert.strictEqual(r._tag === "Done" && r.offset, header.length)
        assert.deepStrictEqual(input, copy, "the input is not modified")
        assert.deepStrictEqual(input.subarray(header.length), payload)
      }), { numRuns: 500 })
    })
  })
})
