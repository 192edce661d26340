import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as Crypto from "node:crypto"
import { makeDecryptor, makeEncryptor, type StreamCipher } from "../../src/packet/Cipher.ts"
import { ProtocolError } from "../../src/protocol/ProtocolError.ts"
import { chunked, concat, cutsArb, toHex } from "./Helpers.ts"

const cipher = (c: StreamCipher | ProtocolError): StreamCipher => {
  if (c instanceof ProtocolError) return assert.fail(c.message)
  return c
}

const secretArb = fc.uint8Array({ minLength: 16, maxLength: 16 })

describe("Cipher (AES-128-CFB8)", () => {
  it("decrypts what it encrypts, whatever the chunking on each side", () => {
    fc.assert(fc.property(secretArb, fc.uint8Array({ maxLength: 2000 }), cutsArb, cutsArb, (secret, data, encCuts, decCuts) => {
      const enc = cipher(makeEncryptor(secret))
      const wire = concat(...chunked(data, encCuts).map((c) => enc.update(c)))
      assert.strictEqual(wire.length, data.length)
      const dec = cipher(makeDecryptor(secret))
      assert.strictEqual(toHex(concat(...chunked(wire, decCuts).map((c) => dec.update(c)))), toHex(data))
    }), { numRuns: 300 })
  })

  it("is CFB8 with IV = key (checked against a byte-at-a-time reference built on AES-ECB)", () => {
    // Key = IV = 00..0f: the first byte is plaintext XOR AES(key, IV)[0] = 0x0a.
    const fixed = Uint8Array.from({ length: 16 }, (_, i) => i)
    assert.strictEqual(toHex(cipher(makeEncryptor(fixed)).update(new Uint8Array(1))), "0a")
    fc.assert(fc.property(secretArb, fc.uint8Array({ maxLength: 100 }), (secret, data) => {
      assert.strictEqual(toHex(cipher(makeEncryptor(secret)).update(data)), toHex(referenceCfb8(secret, data)))
    }), { numRuns: 100 })
  })

  it("refuses a shared secret that is not 16 bytes", () => {
    for (const n of [0, 15, 17, 32]) {
      const r = makeEncryptor(new Uint8Array(n))
      assert.instanceOf(r, ProtocolError)
      assert.strictEqual((r as ProtocolError).reason, "Malformed")
      assert.instanceOf(makeDecryptor(new Uint8Array(n)), ProtocolError)
    }
  })
})

/** CFB8 by its definition: each byte XORs the first byte of AES(shift register), then shifts in the ciphertext. */
const referenceCfb8 = (secret: Uint8Array, data: Uint8Array): Uint8Array => {
  const register = new Uint8Array(secret)
  const out = new Uint8Array(data.length)
  for (let i = 0; i < data.length; i++) {
    const ecb = Crypto.createCipheriv("aes-128-ecb", secret, null).setAutoPadding(false)
    out[i] = data[i]! ^ ecb.update(register)[0]!
    register.copyWithin(0, 1)
    register[15] = out[i]!
  }
  return out
}
