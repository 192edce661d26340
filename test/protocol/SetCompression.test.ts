import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { decodeSetCompression, encodeSetCompression } from "../../src/protocol/SetCompression.ts"
import { varIntByteLength } from "../../src/protocol/VarInt.ts"
import { assertStream, assertTotal, expectBytes, expectError, frameSize, hex, int32, toHex, withoutBounds } from "./Helpers.ts"

describe("SetCompression", () => {
  it("encodes the threshold as a VarInt after id 0x03", () => {
    assert.strictEqual(toHex(expectBytes(encodeSetCompression({ threshold: 256 }, 47))), "03038002")
    assert.strictEqual(toHex(expectBytes(encodeSetCompression({ threshold: -1 }, 775))), "0603ffffffff0f")
  })

  it("round-trips any threshold with the predicted size, NeedMore on every prefix", () => {
    fc.assert(fc.property(int32, fc.constantFrom(47, 340, 764, 775), (threshold, protocol) => {
      const bytes = expectBytes(encodeSetCompression({ threshold }, protocol))
      assert.strictEqual(bytes.length, frameSize(varIntByteLength(threshold)))
      assert.deepStrictEqual(withoutBounds(assertStream(bytes, (b, o) => decodeSetCompression(b, o, protocol)).value), { threshold })
    }))
  })

  it("does not exist in 1.7", () => {
    expectError(encodeSetCompression({ threshold: 256 }, 5), "Unsupported")
    expectError(decodeSetCompression(hex("03038002"), 0, 5), "Unsupported")
  })

  it("refuses a wrong packet id, trailing bytes and an over-long frame", () => {
    expectError(decodeSetCompression(hex("020200"), 0, 47), "Malformed")
    expectError(decodeSetCompression(hex("03030000"), 0, 47), "Malformed")
    expectError(decodeSetCompression(hex("0b"), 0, 47), "TooLarge")
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => decodeSetCompression(b, o, 47)))
})
