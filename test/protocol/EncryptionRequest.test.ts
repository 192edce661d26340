import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { ByteWriter, stringByteLength } from "../../src/protocol/ByteWriter.ts"
import {
  decodeEncryptionRequest,
  type EncryptionRequest,
  encodeEncryptionRequest,
  encryptionRequestLayout,
  MAX_RSA_BLOCK_BYTES,
  MAX_SERVER_ID_CHARS,
  MAX_SERVER_PUBLIC_KEY_BYTES,
  maxEncryptionRequestFrameLength
} from "../../src/protocol/EncryptionRequest.ts"
import { NEWEST_KNOWN_PROTOCOL } from "../../src/protocol/ProtocolVersion.ts"
import { varIntByteLength } from "../../src/protocol/VarInt.ts"
import { assertStream, assertTotal, expectBytes, expectError, frameSize, hex, toHex, wellFormedString, withoutBounds } from "./Helpers.ts"

const VERSIONS = [4, 5, 47, 340, 759, 760, 765, 766, 767, 775, NEWEST_KNOWN_PROTOCOL + 1]

const request: fc.Arbitrary<EncryptionRequest> = fc.record(
  {
    serverId: wellFormedString(MAX_SERVER_ID_CHARS),
    publicKey: fc.uint8Array({ maxLength: 200 }),
    verifyToken: fc.uint8Array({ maxLength: 16 }),
    shouldAuthenticate: fc.boolean()
  },
  { requiredKeys: ["serverId", "publicKey", "verifyToken"] }
)

/** What a layout keeps: `should_authenticate` exists from 1.20.5, and defaults to true. */
const expected = (r: EncryptionRequest, protocol: number): EncryptionRequest => {
  const { shouldAuthenticate, ...rest } = r
  return encryptionRequestLayout(protocol) === "VarIntArraysAuthenticate"
    ? { ...rest, shouldAuthenticate: shouldAuthenticate ?? true }
    : rest
}

const expectedSize = (r: EncryptionRequest, protocol: number): number => {
  const layout = encryptionRequestLayout(protocol)
  const array = (b: Uint8Array) => (layout === "ShortArrays" ? 2 : varIntByteLength(b.length)) + b.length
  return frameSize(stringByteLength(r.serverId) + array(r.publicKey) + array(r.verifyToken) +
    (layout === "VarIntArraysAuthenticate" ? 1 : 0))
}

describe("EncryptionRequest", () => {
  it("picks the layout at the documented protocol boundaries", () => {
    const cases = [[4, "ShortArrays"], [5, "ShortArrays"], [46, "ShortArrays"], [47, "VarIntArrays"], [765, "VarIntArrays"], [
      766,
      "VarIntArraysAuthenticate"
    ], [775, "VarIntArraysAuthenticate"]] as const
    for (const [protocol, layout] of cases) assert.strictEqual(encryptionRequestLayout(protocol), layout, String(protocol))
  })

  it("encodes 1.7 with 16-bit array lengths and 1.20.5+ with should_authenticate", () => {
    const r = { serverId: "", publicKey: Uint8Array.of(0xaa, 0xbb), verifyToken: Uint8Array.of(1, 2, 3, 4) }
    assert.strictEqual(toHex(expectBytes(encodeEncryptionRequest(r, 5))), "0c" + "01" + "00" + "0002aabb" + "000401020304")
    assert.strictEqual(toHex(expectBytes(encodeEncryptionRequest(r, 765))), "0a" + "01" + "00" + "02aabb" + "0401020304")
    assert.strictEqual(toHex(expectBytes(encodeEncryptionRequest(r, 766))), "0b" + "01" + "00" + "02aabb" + "0401020304" + "01")
    assert.strictEqual(toHex(expectBytes(encodeEncryptionRequest({ ...r, shouldAuthenticate: false }, 775))).slice(-2), "00")
  })

  it("round-trips every layout with the encoded size predicted, NeedMore on every prefix", () => {
    fc.assert(fc.property(request, fc.constantFrom(...VERSIONS), (r, protocol) => {
      const bytes = expectBytes(encodeEncryptionRequest(r, protocol))
      assert.strictEqual(bytes.length, expectedSize(r, protocol))
      const d = assertStream(bytes, (b, o) => decodeEncryptionRequest(b, o, protocol))
      assert.deepStrictEqual(withoutBounds(d.value), expected(r, protocol))
    }), { numRuns: 200 })
  })

  it("accepts every field at its maximum and refuses one more", () => {
    const max = {
      serverId: "x".repeat(MAX_SERVER_ID_CHARS),
      publicKey: new Uint8Array(MAX_SERVER_PUBLIC_KEY_BYTES),
      verifyToken: new Uint8Array(MAX_RSA_BLOCK_BYTES)
    }
    for (const protocol of [5, 47, 766]) {
      const bytes = expectBytes(encodeEncryptionRequest(max, protocol))
      assert.isAtMost(bytes.length - 2, maxEncryptionRequestFrameLength(protocol))
      assert.deepStrictEqual(withoutBounds(assertStream(bytes, (b, o) => decodeEncryptionRequest(b, o, protocol)).value), expected(max, protocol))
      expectError(encodeEncryptionRequest({ ...max, serverId: max.serverId + "x" }, protocol), "TooLarge")
      expectError(encodeEncryptionRequest({ ...max, publicKey: new Uint8Array(MAX_SERVER_PUBLIC_KEY_BYTES + 1) }, protocol), "TooLarge")
      expectError(encodeEncryptionRequest({ ...max, verifyToken: new Uint8Array(MAX_RSA_BLOCK_BYTES + 1) }, protocol), "TooLarge")
    }
    // The reader refuses an over-long key on its length prefix.
    const raw = expectBytes(new ByteWriter().varInt(1).string("", 20).varInt(MAX_SERVER_PUBLIC_KEY_BYTES + 1).finishFrame())
    expectError(decodeEncryptionRequest(raw, 0, 47), "TooLarge")
  })

  it("refuses a negative 1.7 array length, a wrong packet id and trailing bytes", () => {
    expectError(decodeEncryptionRequest(hex("05 01 00 ff ff 00"), 0, 5), "Malformed")
    expectError(decodeEncryptionRequest(hex("04 02 00 00 00"), 0, 47), "Malformed")
    expectError(decodeEncryptionRequest(hex("05 01 00 00 00 07"), 0, 47), "Malformed")
    expectError(decodeEncryptionRequest(hex("05 01 00 00 00 02"), 0, 766), "Malformed")
  })

  it("is total on arbitrary bytes for every layout", () => {
    for (const protocol of [5, 47, 766]) assertTotal((b, o) => decodeEncryptionRequest(b, o, protocol))
  })
})
