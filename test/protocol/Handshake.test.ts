import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { ByteWriter } from "../../src/protocol/ByteWriter.ts"
import {
  decodeHandshake,
  encodeHandshake,
  type Handshake,
  MAX_HANDSHAKE_FRAME_LENGTH,
  MAX_SERVER_ADDRESS_CHARS,
  NextState
} from "../../src/protocol/Handshake.ts"
import { decodeLoginStart, encodeLoginStart } from "../../src/protocol/LoginStart.ts"
import {
  assertStream,
  assertTotal,
  concat,
  expectBytes,
  expectDone,
  expectError,
  int32,
  port,
  wellFormedString
} from "./Helpers.ts"

const handshake: fc.Arbitrary<Handshake> = fc.record({
  protocolVersion: int32,
  serverAddress: wellFormedString(MAX_SERVER_ADDRESS_CHARS),
  serverPort: port,
  nextState: fc.constantFrom(NextState.Status, NextState.Login, NextState.Transfer)
})

/** A handshake frame built field by field, for inputs the encoder would not produce. */
const rawHandshake = (build: (w: ByteWriter) => ByteWriter): Uint8Array =>
  expectBytes(build(new ByteWriter().varInt(0)).finishFrame())

describe("Handshake", () => {
  it("round-trips, NeedMore on every prefix, with the frame bounds of the original bytes", () => {
    fc.assert(fc.property(handshake, (h) => {
      const bytes = expectBytes(encodeHandshake(h))
      const d = assertStream(bytes, decodeHandshake)
      assert.deepStrictEqual(d.value, { ...h, frameStart: 0, frameEnd: bytes.length })
    }))
  })

  it("is followed correctly by Login Start in the same stream", () => {
    const stream = concat(
      expectBytes(encodeHandshake({ protocolVersion: 765, serverAddress: "mc.example.com", serverPort: 25565, nextState: 2 })),
      expectBytes(encodeLoginStart({ name: "Steve", uuid: "8667ba71-b85a-4004-af54-457a9734eed7" }, 765))
    )
    const h = expectDone(decodeHandshake(stream, 0))
    const l = expectDone(decodeLoginStart(stream, h.offset, h.value.protocolVersion))
    assert.strictEqual(l.value.name, "Steve")
    assert.strictEqual(l.offset, stream.length)
  })

  it("accepts the longest vanilla handshake and refuses a longer length prefix at once", () => {
    const longest = { protocolVersion: -1, serverAddress: "€".repeat(255), serverPort: 65535, nextState: 3 } as const
    const bytes = expectBytes(encodeHandshake(longest))
    assert.isAtMost(bytes.length, MAX_HANDSHAKE_FRAME_LENGTH + 2)
    assert.deepStrictEqual(expectDone(decodeHandshake(bytes, 0)).value.serverAddress, longest.serverAddress)
    // 788 = 0x314: one over the bound, with no body behind it.
    assert.strictEqual(MAX_HANDSHAKE_FRAME_LENGTH, 787)
    expectError(decodeHandshake(Uint8Array.of(0x94, 0x06), 0), "TooLarge")
  })

  it("limits the address to 255 chars by default; callers may allow more", () => {
    const h = { protocolVersion: 765, serverAddress: "a".repeat(256), serverPort: 1, nextState: 2 } as const
    const bytes = expectBytes(encodeHandshake(h))
    expectError(decodeHandshake(bytes, 0), "TooLarge")
    assert.strictEqual(expectDone(decodeHandshake(bytes, 0, 1000)).value.serverAddress, h.serverAddress)
    expectError(encodeHandshake(h, 255), "TooLarge")
  })

  it("accepts zero-padded VarInts everywhere, as vanilla does", () => {
    // Always 5 bytes: four groups with the continuation bit, then the last.
    const padded = (n: number) => Uint8Array.of(...[0, 7, 14, 21].map((s) => ((n >>> s) & 0x7f) | 0x80), n >>> 28)
    const body = [padded(0), padded(765), padded(3), new TextEncoder().encode("a.b"), Uint8Array.of(0x63, 0xdd), padded(2)]
    const payload = concat(...body)
    const bytes = concat(Uint8Array.of(payload.length), payload)
    assert.deepInclude(expectDone(decodeHandshake(bytes, 0)).value, {
      protocolVersion: 765,
      serverAddress: "a.b",
      serverPort: 25565,
      nextState: 2
    })
  })

  it("keeps Forge markers and BungeeCord-style NULs in the address", () => {
    const h = { protocolVersion: 765, serverAddress: "play.example.com\0FML3\0", serverPort: 25565, nextState: 2 } as const
    assert.strictEqual(expectDone(decodeHandshake(expectBytes(encodeHandshake(h)), 0)).value.serverAddress, h.serverAddress)
  })

  it("refuses an unknown next state as Unsupported", () => {
    for (const state of [0, 4, -1, 127]) {
      const bytes = rawHandshake((w) => w.varInt(765).string("a", 255).u16(1).varInt(state))
      expectError(decodeHandshake(bytes, 0), "Unsupported")
    }
  })

  it("refuses a wrong packet id, trailing bytes and truncated fields as Malformed", () => {
    expectError(decodeHandshake(expectBytes(new ByteWriter().varInt(1).varInt(765).finishFrame()), 0), "Malformed")
    expectError(decodeHandshake(rawHandshake((w) => w.varInt(765).string("a", 255).u16(1).varInt(1).u8(0)), 0), "Malformed")
    expectError(decodeHandshake(rawHandshake((w) => w.varInt(765).string("a", 255).u8(1)), 0), "Malformed")
    expectError(decodeHandshake(rawHandshake((w) => w.varInt(765).u8(5).u8(0x61)), 0), "Malformed")
  })

  it("is total on arbitrary bytes and on corrupted handshakes", () => {
    assertTotal((b, o) => decodeHandshake(b, o))
    fc.assert(fc.property(handshake, fc.nat(), fc.integer({ min: 0, max: 255 }), (h, at, value) => {
      const bytes = expectBytes(encodeHandshake(h)).slice()
      bytes[at % bytes.length] = value
      const r = decodeHandshake(bytes, 0)
      assert.oneOf(r._tag, ["Done", "NeedMore", "ProtocolError"])
    }))
  })
})
