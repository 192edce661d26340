import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { decodeVarLong, encodeVarLong, VARLONG_MAX_BYTES, varLongByteLength } from "../../src/protocol/VarLong.ts"
import { assertStream, assertTotal, expectDone, expectError, hex, int64, toHex } from "./Helpers.ts"

// Known encodings (https://minecraft.wiki/w/Java_Edition_protocol/Data_types#VarInt_and_VarLong).
const VECTORS: ReadonlyArray<readonly [bigint, string]> = [
  [0n, "00"],
  [1n, "01"],
  [127n, "7f"],
  [128n, "8001"],
  [255n, "ff01"],
  [2147483647n, "ffffffff07"],
  [9223372036854775807n, "ffffffffffffffff7f"],
  [-1n, "ffffffffffffffffff01"],
  [-2147483648n, "80808080f8ffffffff01"],
  [-9223372036854775808n, "80808080808080808001"]
]

describe("VarLong", () => {
  it("encodes and decodes the known vectors", () => {
    for (const [value, bytes] of VECTORS) {
      assert.strictEqual(toHex(encodeVarLong(value)), bytes, `encode ${value}`)
      assert.strictEqual(varLongByteLength(value), bytes.length / 2)
      assert.strictEqual(expectDone(decodeVarLong(hex(bytes), 0)).value, value)
    }
  })

  it("round-trips any int64, with a size equal to byteLength", () => {
    fc.assert(fc.property(int64, (n) => {
      const bytes = encodeVarLong(n)
      assert.strictEqual(bytes.length, varLongByteLength(n))
      assert.isAtMost(bytes.length, VARLONG_MAX_BYTES)
      assert.strictEqual(assertStream(bytes, decodeVarLong).value, n)
    }))
  })

  it("rejects an eleventh byte as Malformed", () => {
    expectError(decodeVarLong(hex("ffffffffffffffffff8001"), 0), "Malformed")
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => decodeVarLong(b, o)))
})
