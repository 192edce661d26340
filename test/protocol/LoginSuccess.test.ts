import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { ByteWriter, stringByteLength } from "../../src/protocol/ByteWriter.ts"
import type { ProfileProperty } from "../../src/protocol/GameProfile.ts"
import {
  decodeLoginSuccess,
  encodeLoginSuccess,
  type LoginSuccess,
  loginSuccessLayout,
  MAX_PROFILE_PROPERTIES,
  MAX_PROPERTY_NAME_CHARS,
  MAX_PROPERTY_SIGNATURE_CHARS,
  maxLoginSuccessFrameLength
} from "../../src/protocol/LoginSuccess.ts"
import { NEWEST_KNOWN_PROTOCOL } from "../../src/protocol/ProtocolVersion.ts"
import { MAX_STRING_CHARS } from "../../src/protocol/Utf8.ts"
import { varIntByteLength } from "../../src/protocol/VarInt.ts"
import { assertStream, assertTotal, expectBytes, expectDone, expectError, frameSize, toHex, wellFormedString, withoutBounds } from "./Helpers.ts"

const VERSIONS = [4, 5, 47, 340, 734, 735, 758, 759, 760, 765, 766, 767, 768, 775, NEWEST_KNOWN_PROTOCOL + 1]

const property: fc.Arbitrary<ProfileProperty> = fc.record(
  { name: wellFormedString(20), value: wellFormedString(60), signature: wellFormedString(60) },
  { requiredKeys: ["name", "value"] }
)

const success: fc.Arbitrary<LoginSuccess> = fc.record(
  {
    uuid: fc.uuid(),
    username: wellFormedString(16),
    properties: fc.array(property, { maxLength: 4 }),
    strictErrorHandling: fc.boolean()
  },
  { requiredKeys: ["uuid", "username", "properties"] }
)

/** What a layout keeps of a Login Success. */
const expected = (s: LoginSuccess, protocol: number): LoginSuccess => {
  const layout = loginSuccessLayout(protocol)
  const base = { uuid: s.uuid, username: s.username, properties: layout.properties === "None" ? [] : s.properties }
  return layout.strictErrorHandling ? { ...base, strictErrorHandling: s.strictErrorHandling ?? true } : base
}

const expectedSize = (s: LoginSuccess, protocol: number): number => {
  const layout = loginSuccessLayout(protocol)
  const uuid = layout.uuid === "Binary" ? 16 : layout.uuid === "Dashed" ? 37 : 33
  const props = layout.properties === "None" ? 0 : varIntByteLength(s.properties.length) + s.properties.reduce(
    (n, p) => n + stringByteLength(p.name) + stringByteLength(p.value) + 1 + (p.signature === undefined ? 0 : stringByteLength(p.signature)),
    0
  )
  return frameSize(uuid + stringByteLength(s.username) + props + (layout.strictErrorHandling ? 1 : 0))
}

const textures: ProfileProperty = { name: "textures", value: "e30=", signature: "c2ln" }

describe("LoginSuccess", () => {
  it("picks the layout at the documented protocol boundaries", () => {
    const layout = (p: number) => {
      const l = loginSuccessLayout(p)
      return `${l.uuid}/${l.properties}/${l.strictErrorHandling}`
    }
    assert.deepStrictEqual(
      [4, 5, 734, 735, 758, 759, 765, 766, 767, 768, 775].map(layout),
      [
        "Undashed/None/false",
        "Dashed/None/false",
        "Dashed/None/false",
        "Binary/None/false",
        "Binary/None/false",
        "Binary/Unbounded/false",
        "Binary/Unbounded/false",
        "Binary/Bounded/true",
        "Binary/Bounded/true",
        "Binary/Bounded/false",
        "Binary/Bounded/false"
      ]
    )
  })

  it("writes the UUID as 1.7.2, 1.7.6 and 1.16 expect it", () => {
    const s = { uuid: "069A79F4-44E9-4726-A5BE-FCA90E38AAF5", username: "Notch", properties: [textures] }
    const text = (p: number) => new TextDecoder().decode(expectBytes(encodeLoginSuccess(s, p)))
    assert.include(text(4), "069a79f444e94726a5befca90e38aaf5")
    assert.include(text(5), "069a79f4-44e9-4726-a5be-fca90e38aaf5")
    assert.strictEqual(toHex(expectBytes(encodeLoginSuccess(s, 735))), "17" + "02" + "069a79f444e94726a5befca90e38aaf5" + "05" + toHex(new TextEncoder().encode("Notch")))
    // Decoding gives the canonical dashed form whatever the layout.
    for (const p of [4, 5, 735, 766]) {
      assert.strictEqual(expectDone(decodeLoginSuccess(expectBytes(encodeLoginSuccess(s, p)), 0, p)).value.uuid, "069a79f4-44e9-4726-a5be-fca90e38aaf5")
    }
  })

  it("round-trips every layout with the encoded size predicted, NeedMore on every prefix", () => {
    fc.assert(fc.property(success, fc.constantFrom(...VERSIONS), (s, protocol) => {
      const bytes = expectBytes(encodeLoginSuccess(s, protocol))
      assert.strictEqual(bytes.length, expectedSize(s, protocol))
      const d = assertStream(bytes, (b, o) => decodeLoginSuccess(b, o, protocol))
      assert.deepStrictEqual(withoutBounds(d.value), expected(s, protocol))
    }), { numRuns: 200 })
  })

  it("bounds properties as 1.20.5 clients do, and older ones only by String", () => {
    const uuid = "00000000-0000-0000-0000-000000000001"
    const many = Array.from({ length: MAX_PROFILE_PROPERTIES }, (_, i) => ({ name: `p${i}`, value: "v" }))
    const ok = { uuid, username: "A", properties: many }
    assert.lengthOf(expectDone(decodeLoginSuccess(expectBytes(encodeLoginSuccess(ok, 766)), 0, 766)).value.properties, 16)
    const tooMany = { ...ok, properties: [...many, { name: "x", value: "y" }] }
    expectError(encodeLoginSuccess(tooMany, 766), "TooLarge")
    assert.lengthOf(expectDone(decodeLoginSuccess(expectBytes(encodeLoginSuccess(tooMany, 765)), 0, 765)).value.properties, 17)
    expectError(decodeLoginSuccess(expectBytes(encodeLoginSuccess(tooMany, 765)), 0, 766), "TooLarge")
    const longName = { ...ok, properties: [{ name: "n".repeat(MAX_PROPERTY_NAME_CHARS + 1), value: "v" }] }
    expectError(encodeLoginSuccess(longName, 767), "TooLarge")
    assert.isTrue(expectBytes(encodeLoginSuccess(longName, 760)).length > 0)
    const longSig = { ...ok, properties: [{ name: "n", value: "v", signature: "s".repeat(MAX_PROPERTY_SIGNATURE_CHARS + 1) }] }
    expectError(encodeLoginSuccess(longSig, 775), "TooLarge")
    const longValue = { ...ok, properties: [{ name: "n", value: "v".repeat(MAX_STRING_CHARS + 1) }] }
    expectError(encodeLoginSuccess(longValue, 760), "TooLarge")
    // The largest 1.20.5 packet fits the frame bound the decoder applies.
    const largest = {
      uuid,
      username: "\u0800".repeat(16),
      properties: Array.from({ length: 16 }, () => ({
        name: "\u0800".repeat(MAX_PROPERTY_NAME_CHARS),
        value: "\u0800".repeat(MAX_STRING_CHARS),
        signature: "\u0800".repeat(MAX_PROPERTY_SIGNATURE_CHARS)
      }))
    }
    const bytes = expectBytes(encodeLoginSuccess(largest, 766))
    assert.isAtMost(bytes.length - 3, maxLoginSuccessFrameLength(766))
    assert.lengthOf(expectDone(decodeLoginSuccess(bytes, 0, 766)).value.properties, 16)
  })

  it("refuses a malformed UUID string, a negative or unbacked property count and trailing bytes", () => {
    const bad = expectBytes(new ByteWriter().varInt(2).string("not-a-uuid", 36).string("A", 16).finishFrame())
    expectError(decodeLoginSuccess(bad, 0, 340), "Malformed")
    expectError(encodeLoginSuccess({ uuid: "nope", username: "A", properties: [] }, 340), "Malformed")
    const head = () => new ByteWriter().varInt(2).uuid("00000000-0000-0000-0000-000000000001").string("A", 16)
    expectError(decodeLoginSuccess(expectBytes(head().varInt(-1).finishFrame()), 0, 765), "Malformed")
    expectError(decodeLoginSuccess(expectBytes(head().varInt(2_000_000_000).finishFrame()), 0, 765), "Malformed")
    expectError(decodeLoginSuccess(expectBytes(head().varInt(0).u8(1).finishFrame()), 0, 765), "Malformed")
    expectError(decodeLoginSuccess(expectBytes(head().varInt(0).u8(2).finishFrame()), 0, 766), "Malformed")
  })

  it("is total on arbitrary bytes for every layout", () => {
    for (const protocol of [4, 5, 735, 759, 766, 768]) assertTotal((b, o) => decodeLoginSuccess(b, o, protocol), 96)
  })
})
