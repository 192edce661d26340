import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { ByteWriter } from "../../src/protocol/ByteWriter.ts"
import { decodeFrame, encodeFrame, frameByteLength, MAX_FRAME_LENGTH } from "../../src/protocol/Frame.ts"
import { assertStream, assertTotal, concat, expectBytes, expectDone, expectError, hex, toHex } from "./Helpers.ts"

const packetId = fc.integer({ min: 0, max: 0x7fffffff })

describe("Frame", () => {
  it("round-trips id + payload; size equals frameByteLength; offsets point into the input", () => {
    fc.assert(fc.property(packetId, fc.uint8Array({ maxLength: 300 }), (id, payload) => {
      const bytes = expectBytes(encodeFrame(id, payload))
      assert.strictEqual(bytes.length, frameByteLength(id, payload.length))
      const d = assertStream(bytes, decodeFrame)
      assert.strictEqual(d.value.packetId, id)
      assert.strictEqual(d.value.frameStart, 0)
      assert.strictEqual(d.value.frameEnd, bytes.length)
      assert.strictEqual(toHex(bytes.subarray(d.value.payloadStart, d.value.payloadEnd)), toHex(payload))
    }))
  })

  it("decodes frames back to back, in order", () => {
    fc.assert(fc.property(fc.array(fc.tuple(packetId, fc.uint8Array({ maxLength: 40 })), { maxLength: 10 }), (frames) => {
      const stream = concat(...frames.map(([id, p]) => expectBytes(encodeFrame(id, p))))
      let offset = 0
      for (const [id, p] of frames) {
        const d = expectDone(decodeFrame(stream, offset))
        assert.strictEqual(d.value.packetId, id)
        assert.strictEqual(d.value.frameStart, offset)
        assert.strictEqual(d.value.payloadEnd - d.value.payloadStart, p.length)
        offset = d.offset
      }
      assert.strictEqual(offset, stream.length)
      assert.strictEqual(decodeFrame(stream, offset)._tag, "NeedMore")
    }))
  })

  it("gives the same frames whatever the chunk boundaries", () => {
    fc.assert(fc.property(
      fc.array(fc.tuple(packetId, fc.uint8Array({ maxLength: 40 })), { minLength: 1, maxLength: 6 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      (frames, cuts) => {
        const stream = concat(...frames.map(([id, p]) => expectBytes(encodeFrame(id, p))))
        const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b)
        // Feed the stream chunk by chunk, keeping unconsumed bytes, as a socket reader would.
        let buffered: Uint8Array = new Uint8Array(0)
        const seen: Array<number> = []
        let prev = 0
        for (const cut of [...points, stream.length]) {
          buffered = concat(buffered, stream.subarray(prev, cut))
          prev = cut
          for (;;) {
            const d = decodeFrame(buffered, 0)
            if (d._tag !== "Done") {
              assert.strictEqual(d._tag, "NeedMore")
              break
            }
            seen.push(d.value.packetId)
            buffered = buffered.subarray(d.offset)
          }
        }
        assert.deepStrictEqual(seen, frames.map(([id]) => id))
        assert.strictEqual(buffered.length, 0)
      }
    ))
  })

  it("rejects an empty frame (no packet id)", () => {
    expectError(decodeFrame(hex("00"), 0), "Malformed")
  })

  it("rejects an over-limit length on the prefix alone, before the body", () => {
    expectError(decodeFrame(hex("65"), 0, 100), "TooLarge") // 101 > 100, no body yet
    assert.strictEqual(decodeFrame(hex("64"), 0, 100)._tag, "NeedMore") // 100 is fine
    expectError(decodeFrame(hex("ff"), 0, 100), "TooLarge") // at least 127 + more, whatever follows
    expectError(decodeFrame(hex("ffffff"), 0), "TooLarge") // wider than 21 bits
    expectError(decodeFrame(hex("808080"), 0), "TooLarge") // even when zero-padded
    assert.strictEqual(decodeFrame(hex("ffff7f"), 0)._tag, "NeedMore") // exactly 2^21 - 1
  })

  it("accepts zero-padded (over-long) length prefixes, as vanilla does", () => {
    // 85 80 00 = 5, under a limit of 9; then id 0x01 and 4 payload bytes.
    assert.strictEqual(decodeFrame(hex("8580"), 0, 9)._tag, "NeedMore")
    const d = expectDone(decodeFrame(hex("858000 01 0a0b0c0d"), 0, 9))
    assert.deepStrictEqual(d.value, { packetId: 1, frameStart: 0, frameEnd: 8, payloadStart: 4, payloadEnd: 8 })
  })

  it("clamps the limit to the protocol maximum", () => {
    expectError(decodeFrame(hex("808080"), 0, 10 * MAX_FRAME_LENGTH), "TooLarge")
    expectError(encodeFrame(0, new Uint8Array(MAX_FRAME_LENGTH)), "TooLarge")
    assert.strictEqual(expectBytes(encodeFrame(0, new Uint8Array(MAX_FRAME_LENGTH - 1))).length, MAX_FRAME_LENGTH + 3)
  })

  it("rejects a packet id that runs past the frame or is negative", () => {
    expectError(decodeFrame(hex("0180"), 0), "Malformed")
    const negative = expectBytes(new ByteWriter().varInt(-1).finishFrame())
    expectError(decodeFrame(negative, 0), "Malformed")
  })

  it("ByteWriter.finishFrame matches encodeFrame", () => {
    fc.assert(fc.property(packetId, fc.uint8Array({ maxLength: 200 }), (id, payload) => {
      const a = expectBytes(new ByteWriter().varInt(id).bytes(payload).finishFrame())
      assert.strictEqual(toHex(a), toHex(expectBytes(encodeFrame(id, payload))))
    }))
    expectError(new ByteWriter().varInt(0).bytes(new Uint8Array(10)).finishFrame(5), "TooLarge")
  })

  it("is total on arbitrary bytes", () => {
    assertTotal((b, o) => decodeFrame(b, o))
    assertTotal((b, o) => decodeFrame(b, o, 16))
  })
})
