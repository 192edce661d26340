import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { ByteWriter } from "../../src/protocol/ByteWriter.ts"
import {
  decodeLegacyPing,
  detectLegacyPing,
  encodeLegacyPing,
  isLegacyLogin,
  type LegacyPingRequest,
  MAX_LEGACY_PING_HOST_CHARS
} from "../../src/protocol/LegacyPing.ts"
import { anyUtf16, assertStream, assertTotal, expectBytes, expectDone, expectError, fixture, hex, port, toHex } from "./Helpers.ts"

const ping16: fc.Arbitrary<LegacyPingRequest> = fc.record({
  _tag: fc.constant("V1_6" as const),
  protocolVersion: fc.integer({ min: 0, max: 255 }),
  host: anyUtf16(MAX_LEGACY_PING_HOST_CHARS),
  port
})

/** `FE 01 FA` + channel, then whatever the test builds. */
const pingHost = (build: (w: ByteWriter) => ByteWriter): Uint8Array =>
  expectBytes(build(new ByteWriter().u8(0xfe).u8(1).u8(0xfa).legacyString("MC|PingHost", 11)).finish())

describe("LegacyPing detection", () => {
  it("tells legacy pings, undecided prefixes and modern frames apart", () => {
    assert.strictEqual(detectLegacyPing(new Uint8Array(0), 0)._tag, "NeedMore")
    assert.deepStrictEqual(detectLegacyPing(hex("fe"), 0), { _tag: "Undecided", ifNothingMore: "Beta" })
    assert.deepStrictEqual(detectLegacyPing(hex("fe01"), 0), { _tag: "Undecided", ifNothingMore: "V1_4" })
    assert.deepStrictEqual(detectLegacyPing(hex("fe01fa"), 0), { _tag: "V1_6" })
    // Modern frames: a normal handshake, and 0xFE as the first byte of a VarInt length.
    assert.deepStrictEqual(detectLegacyPing(hex("1000fd05"), 0), { _tag: "NotLegacy" })
    assert.deepStrictEqual(detectLegacyPing(hex("fe0100"), 0), { _tag: "NotLegacy" })
    assert.deepStrictEqual(detectLegacyPing(hex("fe02"), 0), { _tag: "NotLegacy" })
  })

  it("recognises a pre-Netty login by its first byte", () => {
    assert.isTrue(isLegacyLogin(hex("02490005"), 0))
    assert.isFalse(isLegacyLogin(hex("1000"), 0))
    assert.isFalse(isLegacyLogin(new Uint8Array(0), 0))
  })
})

describe("LegacyPing decoding", () => {
  it("waits on FE and FE 01 while more may arrive, and settles them when not", () => {
    assert.strictEqual(decodeLegacyPing(hex("fe"), 0, true)._tag, "NeedMore")
    assert.strictEqual(decodeLegacyPing(hex("fe01"), 0, true)._tag, "NeedMore")
    assert.deepStrictEqual(expectDone(decodeLegacyPing(hex("fe"), 0, false)), { _tag: "Done", value: { _tag: "Beta" }, offset: 1 })
    assert.deepStrictEqual(expectDone(decodeLegacyPing(hex("fe01"), 0, false)), { _tag: "Done", value: { _tag: "V1_4" }, offset: 2 })
  })

  it("round-trips 1.6 pings, NeedMore on every prefix whether or not more may arrive", () => {
    fc.assert(fc.property(ping16, (p) => {
      const bytes = expectBytes(encodeLegacyPing(p))
      assert.deepStrictEqual(assertStream(bytes, (b, o) => decodeLegacyPing(b, o, true)).value, p)
      // From FE 01 FA on, waiting is the only option: the lengths say more is due.
      for (let i = 3; i < bytes.length; i++) assert.strictEqual(decodeLegacyPing(bytes.subarray(0, i), 0, false)._tag, "NeedMore")
    }))
  })

  it("matches the hand-built wiki example byte for byte", () => {
    const bytes = fixture("legacy-ping-1.6.hex")
    const p = { _tag: "V1_6", protocolVersion: 74, host: "localhost", port: 25565 } as const
    assert.deepStrictEqual(expectDone(decodeLegacyPing(bytes, 0, false)).value, p)
    assert.strictEqual(toHex(expectBytes(encodeLegacyPing(p))), toHex(bytes))
    assert.strictEqual(toHex(expectBytes(encodeLegacyPing({ _tag: "V1_4" }))), "fe01")
    assert.strictEqual(toHex(expectBytes(encodeLegacyPing({ _tag: "Beta" }))), "fe")
  })

  it("refuses oversized lengths before the bytes arrive", () => {
    // Data length 518 > 7 + 2 × 255, nothing after it.
    expectError(decodeLegacyPing(pingHost((w) => w.u16(518)), 0, true), "TooLarge")
    // Host of 256 chars announced.
    expectError(decodeLegacyPing(pingHost((w) => w.u16(7 + 512).u8(74).u16(256)), 0, true), "TooLarge")
    expectError(encodeLegacyPing({ _tag: "V1_6", protocolVersion: 74, host: "a".repeat(256), port: 1 }), "TooLarge")
  })

  it("refuses a wrong channel, inconsistent lengths and a bad port", () => {
    expectError(decodeLegacyPing(hex("fe01fa000a"), 0, true), "Malformed")
    const wrongChannel = expectBytes(new ByteWriter().u8(0xfe).u8(1).u8(0xfa).legacyString("MC|PingHosT", 11).finish())
    expectError(decodeLegacyPing(wrongChannel, 0, true), "Malformed")
    expectError(decodeLegacyPing(pingHost((w) => w.u16(9).u8(74).u16(2)), 0, true), "Malformed")
    expectError(decodeLegacyPing(pingHost((w) => w.u16(9).u8(74).legacyString("a", 9).i32(65536)), 0, true), "Malformed")
    expectError(decodeLegacyPing(pingHost((w) => w.u16(9).u8(74).legacyString("a", 9).i32(-1)), 0, true), "Malformed")
    expectError(encodeLegacyPing({ _tag: "V1_6", protocolVersion: 74, host: "a", port: 65536 }), "Malformed")
  })

  it("calls bytes that are not a legacy ping Malformed", () => {
    for (const bad of ["00", "fe02", "fe0100"]) expectError(decodeLegacyPing(hex(bad), 0, true), "Malformed")
  })

  it("is total on arbitrary bytes, with or without more to come", () => {
    assertTotal((b, o) => decodeLegacyPing(b, o, true))
    assertTotal((b, o) => decodeLegacyPing(b, o, false))
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (tail) => {
      const r = decodeLegacyPing(Uint8Array.of(0xfe, 0x01, 0xfa, ...tail), 0, false)
      assert.oneOf(r._tag, ["Done", "NeedMore", "ProtocolError"])
    }))
  })
})
