import { assert, describe, it } from "@effect/vitest"
import { decodeLoginAcknowledged, encodeLoginAcknowledged } from "../../src/protocol/LoginAcknowledged.ts"
import { assertStream, assertTotal, expectBytes, expectError, hex, toHex } from "./Helpers.ts"

describe("LoginAcknowledged", () => {
  it("is the bare packet id 0x03 from 1.20.2 on", () => {
    for (const protocol of [764, 765, 775]) {
      const bytes = expectBytes(encodeLoginAcknowledged(protocol))
      assert.strictEqual(toHex(bytes), "0103")
      assert.deepStrictEqual(assertStream(bytes, (b, o) => decodeLoginAcknowledged(b, o, protocol)).value, { frameStart: 0, frameEnd: 2 })
    }
  })

  it("does not exist before 1.20.2", () => {
    expectError(encodeLoginAcknowledged(763), "Unsupported")
    expectError(decodeLoginAcknowledged(hex("0103"), 0, 763), "Unsupported")
  })

  it("refuses another packet id, any payload and an over-long frame", () => {
    expectError(decodeLoginAcknowledged(hex("0102"), 0, 764), "Malformed")
    expectError(decodeLoginAcknowledged(hex("020300"), 0, 764), "Malformed")
    expectError(decodeLoginAcknowledged(hex("06"), 0, 764), "TooLarge")
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => decodeLoginAcknowledged(b, o, 764)))
})
