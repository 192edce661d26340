import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { ByteWriter } from "../../src/protocol/ByteWriter.ts"
import { decodeHandshake, encodeHandshake } from "../../src/protocol/Handshake.ts"
import {
  decodeStatusClientbound,
  decodeStatusServerbound,
  encodePingRequest,
  encodePongResponse,
  encodeStatusRequest,
  encodeStatusResponse,
  MAX_STATUS_JSON_CHARS,
  maxStatusClientboundFrameLength
} from "../../src/protocol/Status.ts"
import {
  assertStream,
  assertTotal,
  concat,
  expectBytes,
  expectDone,
  expectError,
  hex,
  int64,
  toHex,
  wellFormedString
} from "./Helpers.ts"

describe("Status", () => {
  it("encodes the request and ping exactly", () => {
    assert.strictEqual(toHex(encodeStatusRequest()), "0100")
    assert.strictEqual(toHex(encodePingRequest(0x0102030405060708n)), "09010102030405060708")
    assert.strictEqual(toHex(encodePongResponse(-1n)), "0901ffffffffffffffff")
  })

  it("round-trips request, ping, pong and response, NeedMore on every prefix", () => {
    assert.strictEqual(assertStream(encodeStatusRequest(), decodeStatusServerbound).value._tag, "StatusRequest")
    fc.assert(fc.property(int64, (payload) => {
      assert.deepInclude(assertStream(encodePingRequest(payload), decodeStatusServerbound).value, { _tag: "PingRequest", payload })
      assert.deepInclude(assertStream(encodePongResponse(payload), decodeStatusClientbound).value, { _tag: "PongResponse", payload })
    }))
    fc.assert(fc.property(fc.oneof(wellFormedString(200), fc.json()), (json) => {
      const bytes = expectBytes(encodeStatusResponse(json))
      assert.deepInclude(assertStream(bytes, decodeStatusClientbound).value, { _tag: "StatusResponse", json })
    }))
  })

  it("handles a whole status exchange back to back, for any protocol number", () => {
    fc.assert(fc.property(fc.integer({ min: -1, max: 100000 }), int64, (protocolVersion, payload) => {
      const stream = concat(
        expectBytes(encodeHandshake({ protocolVersion, serverAddress: "localhost", serverPort: 25565, nextState: 1 })),
        encodeStatusRequest(),
        encodePingRequest(payload)
      )
      const h = expectDone(decodeHandshake(stream, 0))
      const req = expectDone(decodeStatusServerbound(stream, h.offset))
      const ping = expectDone(decodeStatusServerbound(stream, req.offset))
      assert.strictEqual(req.value._tag, "StatusRequest")
      assert.deepInclude(ping.value, { _tag: "PingRequest", payload, frameEnd: stream.length })
    }))
  })

  it("allows a response of 32767 UTF-16 code units and no more", () => {
    const max = "€".repeat(MAX_STATUS_JSON_CHARS)
    const bytes = expectBytes(encodeStatusResponse(max))
    assert.isAtMost(bytes.length - 3, maxStatusClientboundFrameLength(MAX_STATUS_JSON_CHARS))
    assert.deepInclude(expectDone(decodeStatusClientbound(bytes, 0)).value, { json: max })
    expectError(encodeStatusResponse(max + "a"), "TooLarge")
    // A length prefix one byte over the bound, nothing behind it.
    const over = new ByteWriter().varInt(maxStatusClientboundFrameLength(MAX_STATUS_JSON_CHARS) + 1).finish()
    expectError(decodeStatusClientbound(expectBytes(over), 0), "TooLarge")
  })

  it("refuses an over-long serverbound frame, unknown ids and trailing bytes", () => {
    expectError(decodeStatusServerbound(hex("0e"), 0), "TooLarge") // 14 > 5 + 8
    expectError(decodeStatusServerbound(hex("0102"), 0), "Malformed")
    expectError(decodeStatusServerbound(hex("020000"), 0), "Malformed")
    expectError(decodeStatusServerbound(hex("05010102030405"), 0), "Malformed")
    expectError(decodeStatusClientbound(hex("0105"), 0), "Malformed")
  })

  it("is total on arbitrary bytes", () => {
    assertTotal((b, o) => decodeStatusServerbound(b, o))
    assertTotal((b, o) => decodeStatusClientbound(b, o))
  })
})
