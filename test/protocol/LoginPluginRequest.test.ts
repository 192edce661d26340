import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { stringByteLength } from "../../src/protocol/ByteWriter.ts"
import {
  decodeLoginPluginRequest,
  encodeLoginPluginRequest,
  type LoginPluginRequest,
  MAX_LOGIN_PLUGIN_DATA_BYTES,
  MAX_LOGIN_PLUGIN_REQUEST_FRAME_LENGTH
} from "../../src/protocol/LoginPluginRequest.ts"
import { varIntByteLength } from "../../src/protocol/VarInt.ts"
import { assertStream, assertTotal, expectBytes, expectDone, expectError, frameSize, hex, int32, toHex, wellFormedString, withoutBounds } from "./Helpers.ts"

const request: fc.Arbitrary<LoginPluginRequest> = fc.record({
  messageId: int32,
  channel: wellFormedString(40),
  data: fc.uint8Array({ maxLength: 64 })
})

describe("LoginPluginRequest", () => {
  it("encodes message id, channel and raw data", () => {
    const bytes = expectBytes(encodeLoginPluginRequest({ messageId: 1, channel: "a:b", data: Uint8Array.of(4) }, 393))
    assert.strictEqual(toHex(bytes), "07" + "04" + "01" + "03613a62" + "04")
  })

  it("round-trips with the predicted size, NeedMore on every prefix", () => {
    fc.assert(fc.property(request, fc.constantFrom(393, 404, 764, 775), (r, protocol) => {
      const bytes = expectBytes(encodeLoginPluginRequest(r, protocol))
      assert.strictEqual(bytes.length, frameSize(varIntByteLength(r.messageId) + stringByteLength(r.channel) + r.data.length))
      assert.deepStrictEqual(withoutBounds(assertStream(bytes, (b, o) => decodeLoginPluginRequest(b, o, protocol)).value), r)
    }))
  })

  it("carries 1 MiB of data and refuses one byte more", () => {
    const r = { messageId: 7, channel: "velocity:player_info", data: new Uint8Array(MAX_LOGIN_PLUGIN_DATA_BYTES) }
    const bytes = expectBytes(encodeLoginPluginRequest(r, 775))
    assert.isAtMost(bytes.length - 3, MAX_LOGIN_PLUGIN_REQUEST_FRAME_LENGTH)
    assert.lengthOf(expectDone(decodeLoginPluginRequest(bytes, 0, 775)).value.data, MAX_LOGIN_PLUGIN_DATA_BYTES)
    expectError(encodeLoginPluginRequest({ ...r, data: new Uint8Array(MAX_LOGIN_PLUGIN_DATA_BYTES + 1) }, 775), "TooLarge")
  })

  it("does not exist before 1.13", () => {
    expectError(encodeLoginPluginRequest({ messageId: 1, channel: "a:b", data: new Uint8Array() }, 340), "Unsupported")
    expectError(decodeLoginPluginRequest(hex("0604010361 3a62"), 0, 340), "Unsupported")
  })

  it("refuses another packet id", () => expectError(decodeLoginPluginRequest(hex("02 03 01"), 0, 393), "Malformed"))

  it("is total on arbitrary bytes", () => assertTotal((b, o) => decodeLoginPluginRequest(b, o, 393)))
})
