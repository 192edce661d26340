import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { MAX_LOGIN_PLUGIN_DATA_BYTES } from "../../src/protocol/LoginPluginRequest.ts"
import {
  decodeLoginPluginResponse,
  encodeLoginPluginResponse,
  type LoginPluginResponse
} from "../../src/protocol/LoginPluginResponse.ts"
import { varIntByteLength } from "../../src/protocol/VarInt.ts"
import { assertStream, assertTotal, expectBytes, expectDone, expectError, frameSize, hex, int32, toHex, withoutBounds } from "./Helpers.ts"

const response: fc.Arbitrary<LoginPluginResponse> = fc.record(
  { messageId: int32, data: fc.uint8Array({ maxLength: 64 }) },
  { requiredKeys: ["messageId"] }
)

describe("LoginPluginResponse", () => {
  it("encodes an answer and a \"not understood\"", () => {
    assert.strictEqual(toHex(expectBytes(encodeLoginPluginResponse({ messageId: 5, data: Uint8Array.of(9, 8) }, 393))), "05" + "02" + "05" + "01" + "0908")
    assert.strictEqual(toHex(expectBytes(encodeLoginPluginResponse({ messageId: 5 }, 775))), "03" + "02" + "05" + "00")
    // An empty answer is still an answer.
    assert.strictEqual(toHex(expectBytes(encodeLoginPluginResponse({ messageId: 5, data: new Uint8Array() }, 775))), "03020501")
  })

  it("round-trips both kinds with the predicted size, NeedMore on every prefix", () => {
    fc.assert(fc.property(response, fc.constantFrom(393, 754, 764, 775), (r, protocol) => {
      const bytes = expectBytes(encodeLoginPluginResponse(r, protocol))
      assert.strictEqual(bytes.length, frameSize(varIntByteLength(r.messageId) + 1 + (r.data?.length ?? 0)))
      assert.deepStrictEqual(withoutBounds(assertStream(bytes, (b, o) => decodeLoginPluginResponse(b, o, protocol)).value), r)
    }))
  })

  it("carries 1 MiB of data and refuses one byte more", () => {
    const data = new Uint8Array(MAX_LOGIN_PLUGIN_DATA_BYTES)
    assert.lengthOf(expectDone(decodeLoginPluginResponse(expectBytes(encodeLoginPluginResponse({ messageId: 1, data }, 775)), 0, 775)).value.data!, data.length)
    expectError(encodeLoginPluginResponse({ messageId: 1, data: new Uint8Array(data.length + 1) }, 775), "TooLarge")
  })

  it("refuses data after \"not understood\", a bad bool and another packet id", () => {
    expectError(decodeLoginPluginResponse(hex("04 02 05 00 09"), 0, 393), "Malformed")
    expectError(decodeLoginPluginResponse(hex("03 02 05 02"), 0, 393), "Malformed")
    expectError(decodeLoginPluginResponse(hex("03 01 05 00"), 0, 393), "Malformed")
  })

  it("does not exist before 1.13", () => {
    expectError(encodeLoginPluginResponse({ messageId: 1 }, 340), "Unsupported")
    expectError(decodeLoginPluginResponse(hex("03020100"), 0, 340), "Unsupported")
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => decodeLoginPluginResponse(b, o, 393)))
})
