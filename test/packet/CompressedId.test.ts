import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as Zlib from "node:zlib"
import { peekCompressedId } from "../../src/packet/CompressedId.ts"
import { ProtocolError } from "../../src/protocol/ProtocolError.ts"
import { decodeVarInt, encodeVarInt } from "../../src/protocol/VarInt.ts"
import { concat, semiCompressible } from "./Helpers.ts"

/** Every way zlib can lay out a stream: levels (stored at 0), strategies, window and memory sizes. */
const zlibOptionsArb = fc.record({
  level: fc.integer({ min: 0, max: 9 }),
  strategy: fc.constantFrom(
    Zlib.constants.Z_DEFAULT_STRATEGY,
    Zlib.constants.Z_FILTERED,
    Zlib.constants.Z_HUFFMAN_ONLY,
    Zlib.constants.Z_RLE,
    Zlib.constants.Z_FIXED
  ),
  windowBits: fc.integer({ min: 9, max: 15 }),
  memLevel: fc.integer({ min: 1, max: 9 })
})

const payloadArb = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.integer({ min: 0, max: 70_000 }).map((n) => semiCompressible(n, n + 7)),
  // Repetitive starts make zlib emit back-references inside the first bytes.
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 600 })).map(([b, n]) => new Uint8Array(n).fill(b))
)

const idArb = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0x7fffffff }))

describe("peekCompressedId", () => {
  it("reads the id of any zlib stream of `VarInt id | payload`", () => {
    fc.assert(fc.property(idArb, payloadArb, zlibOptionsArb, (id, payload, options) => {
      const z = Zlib.deflateSync(concat(encodeVarInt(id), payload), options)
      assert.strictEqual(peekCompressedId(z), id)
    }), { numRuns: 1000 })
  })

  it("reads ids whose bytes repeat (a back-reference inside the VarInt)", () => {
    // 0x81 0x81 0x81 0x01: zlib codes the second to fourth bytes as copies of the first.
    const z = Zlib.deflateSync(concat(Uint8Array.of(0x81, 0x81, 0x81, 0x81, 0x01), new Uint8Array(50)))
    assert.strictEqual(peekCompressedId(z), expectedId(Uint8Array.of(0x81, 0x81, 0x81, 0x81, 0x01)))
  })

  it("agrees with a full inflate whenever both succeed, on damaged streams too, and never throws", () => {
    fc.assert(fc.property(idArb, payloadArb, zlibOptionsArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), fc.nat(), (id, payload, options, flips, cut) => {
      const z = new Uint8Array(Zlib.deflateSync(concat(encodeVarInt(id), payload), options))
      for (const [at, b] of flips) z[at % z.length] = b
      const damaged = z.subarray(0, z.length - (cut % 4))
      const peeked = peekCompressedId(damaged)
      assert.isTrue(typeof peeked === "number" || peeked instanceof ProtocolError)
      let full: Uint8Array | undefined
      try {
        full = Zlib.inflateSync(damaged)
      } catch {
        full = undefined
      }
      const fullId = full === undefined ? undefined : expectedId(full)
      if (typeof peeked === "number" && fullId !== undefined) assert.strictEqual(peeked, fullId)
      // A complete, valid stream whose VarInt id is well formed is always readable.
      if (fullId !== undefined && fullId >= 0) assert.strictEqual(peeked, fullId)
    }), { numRuns: 1000 })
  })

  it("is total on arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const r = peekCompressedId(bytes)
      assert.isTrue(typeof r === "number" || r instanceof ProtocolError)
    }), { numRuns: 2000 })
    // Behind a valid zlib header, so the block decoder runs on the random bits.
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const r = peekCompressedId(concat(Uint8Array.of(0x78, 0x9c), bytes))
      assert.isTrue(typeof r === "number" || r instanceof ProtocolError)
    }), { numRuns: 2000 })
  })

  it("rejects what is not a zlib stream holding a whole id", () => {
    const malformed = (bytes: Uint8Array) => {
      const r = peekCompressedId(bytes)
      assert.instanceOf(r, ProtocolError)
      assert.strictEqual((r as ProtocolError).reason, "Malformed")
    }
    malformed(new Uint8Array(0))
    malformed(Uint8Array.of(0x78))
    malformed(Uint8Array.of(0x78, 0x9d, 0x03, 0x00)) // header check fails
    malformed(Uint8Array.of(0x79, 0x9c, 0x03, 0x00)) // compression method 9
    malformed(Uint8Array.of(0x78, 0xbb, 0, 0, 0, 1)) // preset dictionary
    malformed(Zlib.deflateSync(new Uint8Array(0))) // empty stream: no id
    malformed(Zlib.deflateSync(Uint8Array.of(0x80, 0x80))) // stream ends inside the VarInt
    malformed(Zlib.deflateSync(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 1))) // VarInt over 5 bytes
    malformed(Zlib.deflateSync(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x08))) // negative id
    malformed(Uint8Array.of(0x78, 0x9c, 0x07)) // reserved block type
    malformed(Zlib.deflateSync(Uint8Array.of(0x81, 0x01)).subarray(0, 3)) // truncated
  })
})

/** The id a full inflate shows: the VarInt at the start, -1 when it is not a valid id. */
const expectedId = (packet: Uint8Array): number => {
  const d = decodeVarInt(packet, 0)
  return d._tag === "Done" && d.value >= 0 ? d.value : -1
}
