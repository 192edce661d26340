import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import {
  decodeVarInt,
  encodeVarInt,
  VARINT_MAX_BYTES,
  varIntByteLength,
  writeVarInt
} from "../../src/protocol/VarInt.ts"
import { assertStream, assertTotal, concat, expectDone, expectError, hex, int32, toHex } from "./Helpers.ts"

// Known encodings (https://minecraft.wiki/w/Java_Edition_protocol/Data_types#VarInt_and_VarLong).
const VECTORS: ReadonlyArray<readonly [number, string]> = [
  [0, "00"],
  [1, "01"],
  [127, "7f"],
  [128, "8001"],
  [255, "ff01"],
  [25565, "ddc701"],
  [2097151, "ffff7f"],
  [2147483647, "ffffffff07"],
  [-1, "ffffffff0f"],
  [-2147483648, "8080808008"]
]

describe("VarInt", () => {
  it("encodes and decodes the known vectors", () => {
    for (const [value, bytes] of VECTORS) {
      assert.strictEqual(toHex(encodeVarInt(value)), bytes, `encode ${value}`)
      assert.strictEqual(varIntByteLength(value), bytes.length / 2, `byteLength ${value}`)
      const d = expectDone(decodeVarInt(hex(bytes), 0))
      assert.strictEqual(d.value, value)
      assert.strictEqual(d.offset, bytes.length / 2)
    }
  })

  it("round-trips any int32, with a size equal to byteLength", () => {
    fc.assert(fc.property(int32, (n) => {
      const bytes = encodeVarInt(n)
      assert.strictEqual(bytes.length, varIntByteLength(n))
      assert.isAtMost(bytes.length, VARINT_MAX_BYTES)
      assert.strictEqual(assertStream(bytes, decodeVarInt).value, n)
    }))
  })

  it("uses 5 bytes for every negative value", () => {
    fc.assert(fc.property(fc.integer({ min: -2147483648, max: -1 }), (n) => {
      assert.strictEqual(encodeVarInt(n).length, 5)
    }))
  })

  it("rejects a sixth byte as Malformed without waiting for it", () => {
    expectError(decodeVarInt(hex("ffffffffff01"), 0), "Malformed")
    expectError(decodeVarInt(hex("8080808080"), 0), "Malformed")
  })

  it("is NeedMore on a truncated value and respects an explicit end", () => {
    assert.strictEqual(decodeVarInt(hex("ddc7"), 0)._tag, "NeedMore")
    assert.strictEqual(decodeVarInt(hex("ddc701"), 0, 2)._tag, "NeedMore")
    assert.strictEqual(decodeVarInt(new Uint8Array(0), 0)._tag, "NeedMore")
  })

  it("accepts over-long forms as vanilla does", () => {
    assert.deepStrictEqual(expectDone(decodeVarInt(hex("8000"), 0)), { _tag: "Done", value: 0, offset: 2 })
    assert.strictEqual(expectDone(decodeVarInt(hex("ffffffff7f"), 0)).value, -1)
  })

  it("writes in place and decodes values back to back", () => {
    fc.assert(fc.property(fc.array(int32, { maxLength: 20 }), (values) => {
      const buf = new Uint8Array(values.length * VARINT_MAX_BYTES)
      let at = 0
      for (const v of values) at = writeVarInt(buf, at, v)
      assert.strictEqual(toHex(buf.subarray(0, at)), toHex(concat(...values.map(encodeVarInt))))
      let offset = 0
      for (const v of values) {
        const d = expectDone(decodeVarInt(buf.subarray(0, at), offset))
        assert.strictEqual(d.value, v)
        offset = d.offset
      }
      assert.strictEqual(offset, at)
    }))
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => decodeVarInt(b, o)))
})
