import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { ByteWriter } from "../../src/protocol/ByteWriter.ts"
import { MAX_RSA_BLOCK_BYTES } from "../../src/protocol/EncryptionRequest.ts"
import {
  decodeEncryptionResponse,
  type EncryptionResponse,
  encodeEncryptionResponse,
  encryptionResponseLayout,
  maxEncryptionResponseFrameLength
} from "../../src/protocol/EncryptionResponse.ts"
import { NEWEST_KNOWN_PROTOCOL } from "../../src/protocol/ProtocolVersion.ts"
import { varIntByteLength } from "../../src/protocol/VarInt.ts"
import { assertStream, assertTotal, expectBytes, expectError, frameSize, hex, int64, toHex, withoutBounds } from "./Helpers.ts"

const VERSIONS = [4, 5, 47, 340, 758, 759, 760, 761, 765, 766, 775, NEWEST_KNOWN_PROTOCOL + 1]
const SALT_VERSIONS = [759, 760]

const block = fc.uint8Array({ maxLength: 140 })

const withToken: fc.Arbitrary<EncryptionResponse> = fc.record({
  encryptedSharedSecret: block,
  verification: fc.record({ _tag: fc.constant("VerifyToken" as const), encryptedVerifyToken: block })
})

const withSalt: fc.Arbitrary<EncryptionResponse> = fc.record({
  encryptedSharedSecret: block,
  verification: fc.record({ _tag: fc.constant("SaltSignature" as const), salt: int64, signature: block })
})

const expectedSize = (r: EncryptionResponse, protocol: number): number => {
  const layout = encryptionResponseLayout(protocol)
  const array = (b: Uint8Array) => (layout === "ShortArrays" ? 2 : varIntByteLength(b.length)) + b.length
  const v = r.verification
  const rest = v._tag === "VerifyToken" ? array(v.encryptedVerifyToken) : 8 + array(v.signature)
  return frameSize(array(r.encryptedSharedSecret) + (layout === "VarIntArraysOrSalt" ? 1 : 0) + rest)
}

describe("EncryptionResponse", () => {
  it("picks the layout at the documented protocol boundaries", () => {
    const cases = [[5, "ShortArrays"], [47, "VarIntArrays"], [758, "VarIntArrays"], [759, "VarIntArraysOrSalt"], [
      760,
      "VarIntArraysOrSalt"
    ], [761, "VarIntArrays"], [775, "VarIntArrays"]] as const
    for (const [protocol, layout] of cases) assert.strictEqual(encryptionResponseLayout(protocol), layout, String(protocol))
  })

  it("encodes each layout exactly", () => {
    const r: EncryptionResponse = {
      encryptedSharedSecret: Uint8Array.of(0xaa),
      verification: { _tag: "VerifyToken", encryptedVerifyToken: Uint8Array.of(0xbb, 0xcc) }
    }
    assert.strictEqual(toHex(expectBytes(encodeEncryptionResponse(r, 5))), "08" + "01" + "0001aa" + "0002bbcc")
    assert.strictEqual(toHex(expectBytes(encodeEncryptionResponse(r, 47))), "06" + "01" + "01aa" + "02bbcc")
    assert.strictEqual(toHex(expectBytes(encodeEncryptionResponse(r, 760))), "07" + "01" + "01aa" + "01" + "02bbcc")
    const salted: EncryptionResponse = {
      encryptedSharedSecret: Uint8Array.of(0xaa),
      verification: { _tag: "SaltSignature", salt: -2n, signature: Uint8Array.of(0xdd) }
    }
    assert.strictEqual(toHex(expectBytes(encodeEncryptionResponse(salted, 759))), "0e" + "01" + "01aa" + "00" + "fffffffffffffffe" + "01dd")
  })

  it("round-trips the token variant everywhere and the salt variant in 1.19–1.19.2", () => {
    fc.assert(fc.property(fc.oneof(withToken, withSalt), fc.constantFrom(...VERSIONS), (r, protocol) => {
      const encoded = encodeEncryptionResponse(r, protocol)
      if (r.verification._tag === "SaltSignature" && !SALT_VERSIONS.includes(protocol)) {
        expectError(encoded, "Malformed")
        return
      }
      const bytes = expectBytes(encoded)
      assert.strictEqual(bytes.length, expectedSize(r, protocol))
      const d = assertStream(bytes, (b, o) => decodeEncryptionResponse(b, o, protocol))
      assert.deepStrictEqual(withoutBounds(d.value), r)
    }), { numRuns: 200 })
  })

  it("accepts RSA-4096-sized blocks and refuses one byte more", () => {
    const big = new Uint8Array(MAX_RSA_BLOCK_BYTES)
    for (const protocol of [5, 47, 759]) {
      const r: EncryptionResponse = { encryptedSharedSecret: big, verification: { _tag: "VerifyToken", encryptedVerifyToken: big } }
      const bytes = expectBytes(encodeEncryptionResponse(r, protocol))
      assert.isAtMost(bytes.length - 2, maxEncryptionResponseFrameLength(protocol))
      assert.deepStrictEqual(withoutBounds(assertStream(bytes, (b, o) => decodeEncryptionResponse(b, o, protocol)).value), r)
      expectError(encodeEncryptionResponse({ ...r, encryptedSharedSecret: new Uint8Array(MAX_RSA_BLOCK_BYTES + 1) }, protocol), "TooLarge")
    }
    const over = expectBytes(new ByteWriter().varInt(1).varInt(MAX_RSA_BLOCK_BYTES + 1).bytes(new Uint8Array(MAX_RSA_BLOCK_BYTES + 1)).u8(0).finishFrame())
    expectError(decodeEncryptionResponse(over, 0, 47), "TooLarge")
    // A frame longer than the longest valid one is refused on its length prefix.
    expectError(decodeEncryptionResponse(hex("90 08"), 0, 47), "TooLarge")
  })

  it("refuses a bad has_verify_token byte, a wrong packet id and trailing bytes", () => {
    expectError(decodeEncryptionResponse(hex("04 01 00 02 00"), 0, 759), "Malformed")
    expectError(decodeEncryptionResponse(hex("03 00 00 00"), 0, 47), "Malformed")
    expectError(decodeEncryptionResponse(hex("04 01 00 00 09"), 0, 47), "Malformed")
  })

  it("is total on arbitrary bytes for every layout", () => {
    for (const protocol of [5, 47, 759, 761]) assertTotal((b, o) => decodeEncryptionResponse(b, o, protocol))
  })
})
