import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import type { Decode } from "../../src/protocol/Decode.ts"
import {
  decodeProxyHeader,
  encodeProxyHeaderV1,
  encodeProxyHeaderV2,
  encodeProxyHeaderV2Local,
  isNotProxyHeader,
  NOT_PROXY_HEADER_FIELD,
  type ProxyHeader
} from "../../src/proxy-protocol/ProxyHeader.ts"
import { arbEndpoint, ascii, concat, hex } from "./arbitraries.ts"

const SIGNATURE = hex("0d0a0d0a000d0a515549540a")

/**
 * Comparable form of a result: errors by reason and field (the detail may quote more of the
 * offending bytes once more have arrived).
 */
const view = (r: Decode<ProxyHeader>): unknown =>
  r._tag === "ProtocolError" ? { _tag: r._tag, reason: r.reason, field: r.field } : r

const withLength = (header: Uint8Array, extra: Uint8Array): Uint8Array => {
  const out = concat(header, extra)
  const length = header.length - 16 + extra.length
  out[14] = length >> 8
  out[15] = length & 0xff
  return out
}

/** Valid headers of every kind this decoder accepts. */
const arbHeader: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.tuple(arbEndpoint, arbEndpoint).map(([s, d]) => encodeProxyHeaderV1(s, d)),
  fc.tuple(arbEndpoint, arbEndpoint).map(([s, d]) => encodeProxyHeaderV2(s, d)),
  fc.tuple(arbEndpoint, arbEndpoint, fc.uint8Array({ maxLength: 100 }))
    .map(([s, d, tlvs]) => withLength(encodeProxyHeaderV2(s, d), tlvs)),
  fc.uint8Array({ maxLength: 50 }).map((tlvs) => withLength(encodeProxyHeaderV2Local(), tlvs)),
  fc.constantFrom("", " ", " 1.2.3.4 5.6.7.8 1 2", " whatever goes").map((rest) => ascii(`PROXY UNKNOWN${rest}\r\n`)),
  fc.constantFrom(0x00, 0x12, 0x22, 0x31).chain((family) =>
    fc.uint8Array({ minLength: family === 0x31 ? 216 : 36, maxLength: 240 }).map((block) =>
      withLength(concat(SIGNATURE, Uint8Array.of(0x21, family, 0, 0)), block)
    )
  )
)

/** Bytes that reach every branch: random, behind a signature, and valid headers with one byte changed. */
const arbBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.uint8Array({ maxLength: 120 }).map((rest) => concat(SIGNATURE, rest)),
  fc.string({ unit: fc.constantFrom(..."PROXY TCP46UNKNOW0123456789abcdefABCDEF:.%\r\n-"), maxLength: 120 })
    .map((rest) => ascii(`PROXY ${rest}`)),
  fc.tuple(arbHeader, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([header, at, byte]) => {
    const out = header.slice()
    out[at % out.length] = byte
    return out
  })
)

describe("decodeProxyHeader", () => {
  it("refuses any first byte other than 0x0D or 'P' at once, as not a PROXY header", () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: 255 }).filter((b) => b !== 0x0d && b !== 0x50),
      fc.uint8Array({ maxLength: 8 }),
      (first, before) => {
        const r = decodeProxyHeader(concat(before, Uint8Array.of(first)), before.length)
        if (r._tag !== "ProtocolError") return assert.fail(`expected an error, got ${r._tag}`)
        assert.isTrue(isNotProxyHeader(r))
        assert.strictEqual(r.field, NOT_PROXY_HEADER_FIELD)
      }
    ))
  })

  it("tells a Minecraft client apart from a broken PROXY header", () => {
    const handshake = hex("10 00 fb 05 09 6c 6f 63 61 6c 68 6f 73 74 63 dd 02")
    const minecraft = decodeProxyHeader(handshake.subarray(0, 1), 0)
    assert.isTrue(minecraft._tag === "ProtocolError" && isNotProxyHeader(minecraft))
    assert.include(minecraft._tag === "ProtocolError" ? minecraft.message : "", "got bytes 10")
    const legacyPing = decodeProxyHeader(Uint8Array.of(0xfe, 0x01), 0)
    assert.isTrue(legacyPing._tag === "ProtocolError" && isNotProxyHeader(legacyPing))
    for (const text of ["POST / HTTP/1.1", "PROXZ", "\r\n\r\n\x01"]) {
      const r = decodeProxyHeader(ascii(text), 0)
      assert.isTrue(r._tag === "ProtocolError" && isNotProxyHeader(r), text)
    }
    for (const broken of [ascii("PROXYX"), ascii("PROXY TCP9"), concat(SIGNATURE, Uint8Array.of(0x11))]) {
      const r = decodeProxyHeader(broken, 0)
      assert.isTrue(r._tag === "ProtocolError" && !isNotProxyHeader(r))
    }
  })

  it("answers NeedMore for every strict prefix of a valid header and Done for the whole", () => {
    fc.assert(fc.property(arbHeader, fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 20 }), (header, before, after) => {
      const stream = concat(before, header, after)
      const start = before.length
      for (let end = start; end < start + header.length; end++) {
        assert.strictEqual(decodeProxyHeader(stream.slice(0, end), start)._tag, "NeedMore", `prefix of ${end - start}`)
      }
      const whole = decodeProxyHeader(stream, start)
      if (whole._tag !== "Done") return assert.fail(`expected Done, got ${view(whole)}`)
      assert.strictEqual(whole.offset, start + header.length)
      assert.strictEqual(whole.value.headerLength, header.length)
    }), { numRuns: 500 })
  })

  it("gives the same result however the stream is split into chunks", () => {
    fc.assert(fc.property(arbHeader, fc.uint8Array({ maxLength: 20 }), fc.array(fc.nat(), { maxLength: 8 }), (header, after, cuts) => {
      const stream = concat(header, after)
      const once = view(decodeProxyHeader(stream, 0))
      // A caller appends each chunk to its buffer and decodes again until the answer is not NeedMore.
      const ends = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
      let answer: unknown = { _tag: "NeedMore" }
      for (const end of [...ends, stream.length]) {
        const r = decodeProxyHeader(stream.slice(0, end), 0)
        if (r._tag !== "NeedMore") {
          answer = view(r)
          break
        }
      }
      assert.deepStrictEqual(answer, once)
    }), { numRuns: 500 })
  })

  it("is total and consistent on arbitrary bytes: a final answer never changes with more bytes", () => {
    fc.assert(fc.property(arbBytes, fc.nat({ max: 4 }), (bytes, rawStart) => {
      const start = Math.min(rawStart, bytes.length)
      let first: unknown
      for (let end = start; end <= bytes.length; end++) {
        const r = decodeProxyHeader(bytes.subarray(0, end), start)
        assert.oneOf(r._tag, ["Done", "NeedMore", "ProtocolError"])
        if (r._tag === "Done") {
          assert.isAtMost(r.offset, end)
          assert.strictEqual(r.offset, start + r.value.headerLength)
        }
        if (first !== undefined) assert.deepStrictEqual(view(r), first)
        else if (r._tag !== "NeedMore") first = view(r)
      }
    }), { numRuns: 1500 })
  })

  it("needs more for empty input and for an offset at the end", () => {
    assert.strictEqual(decodeProxyHeader(new Uint8Array(0), 0)._tag, "NeedMore")
    assert.strictEqual(decodeProxyHeader(ascii("PROXY"), 5)._tag, "NeedMore")
    assert.strictEqual(decodeProxyHeader(SIGNATURE.subarray(0, 11), 0)._tag, "NeedMore")
  })
})
