import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { ByteWriter } from "../../src/protocol/ByteWriter.ts"
import {
  decodeLoginDisconnect,
  encodeLoginDisconnect,
  MAX_DISCONNECT_DECODE_CHARS,
  MAX_DISCONNECT_ENCODE_CHARS,
  type TextComponent
} from "../../src/protocol/Disconnect.ts"
import { assertStream, assertTotal, expectBytes, expectDone, expectError, toHex, wellFormedString } from "./Helpers.ts"

const reasonJson = (reason: string | TextComponent): string =>
  assertStream(expectBytes(encodeLoginDisconnect(reason)), decodeLoginDisconnect).value.json

describe("Login Disconnect", () => {
  it("wraps a string as {\"text\": ...} and escapes it correctly", () => {
    fc.assert(fc.property(wellFormedString(100), (reason) => {
      assert.deepStrictEqual(JSON.parse(reasonJson(reason)), { text: reason })
    }))
    const tricky = "§cBanned: \"cheating\" \\ path\nline\ttab\u0001 ☃ 😀"
    assert.deepStrictEqual(JSON.parse(reasonJson(tricky)), { text: tricky })
  })

  it("passes section-sign codes through as raw UTF-8", () => {
    const bytes = expectBytes(encodeLoginDisconnect("§cBye"))
    assert.strictEqual(toHex(bytes), toHex(new TextEncoder().encode("\u0013\u0000\u0011{\"text\":\"§cBye\"}")))
  })

  it("writes lone surrogates as JSON escapes, so the bytes stay valid UTF-8", () => {
    const json = reasonJson("a\uD800b")
    assert.strictEqual(json, "{\"text\":\"a\\ud800b\"}")
    assert.deepStrictEqual(JSON.parse(json), { text: "a\uD800b" })
  })

  it("encodes a text component object as given", () => {
    const component = { text: "Go away", color: "red", bold: true, extra: [{ text: " now", italic: false }] }
    assert.deepStrictEqual(JSON.parse(reasonJson(component)), component)
  })

  it("refuses a component JSON cannot serialise, without throwing", () => {
    const cyclic: Record<string, unknown> = { text: "x" }
    cyclic["self"] = cyclic
    expectError(encodeLoginDisconnect(cyclic as TextComponent), "Malformed")
  })

  it("sends at most 32767 chars, accepts up to 262144 when decoding", () => {
    expectError(encodeLoginDisconnect("a".repeat(MAX_DISCONNECT_ENCODE_CHARS)), "TooLarge")
    const long = JSON.stringify({ text: "a".repeat(MAX_DISCONNECT_DECODE_CHARS - 11) })
    const bytes = expectBytes(new ByteWriter().varInt(0).string(long, MAX_DISCONNECT_DECODE_CHARS).finishFrame())
    assert.strictEqual(expectDone(decodeLoginDisconnect(bytes, 0)).value.json, long)
    const over = expectBytes(new ByteWriter().varInt(0).string(long + " ", MAX_DISCONNECT_DECODE_CHARS + 1).finishFrame())
    expectError(decodeLoginDisconnect(over, 0), "TooLarge")
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => decodeLoginDisconnect(b, o)))
})
