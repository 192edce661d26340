import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as Zlib from "node:zlib"
import { deflateBody, inflateBody, MAX_UNCOMPRESSED_LENGTH } from "../../src/packet/Compression.ts"
import { ProtocolError } from "../../src/protocol/ProtocolError.ts"
import { semiCompressible, toHex } from "./Helpers.ts"

const expectError = (r: Uint8Array | ProtocolError, reason: string): void => {
  if (!(r instanceof ProtocolError)) return assert.fail(`expected ProtocolError(${reason}), got ${r.length} bytes`)
  assert.strictEqual(r.reason, reason, r.message)
}

const bytes = (r: Uint8Array | ProtocolError): Uint8Array => {
  if (r instanceof ProtocolError) return assert.fail(r.message)
  return r
}

describe("Compression", () => {
  it("deflate then bounded inflate gives the data back; zlib reads what deflate writes", () => {
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 2000 }), fc.integer({ min: 1, max: 100_000 }).map((n) => semiCompressible(n))), (data) => {
      const z = bytes(deflateBody(data))
      assert.strictEqual(toHex(Zlib.inflateSync(z)), toHex(data))
      assert.strictEqual(toHex(bytes(inflateBody(z, data.length, 0))), toHex(data))
    }), { numRuns: 200 })
  })

  it("checks the declared size before inflating: over 8 MiB, below the threshold, not positive", () => {
    const z = Zlib.deflateSync(new Uint8Array(300))
    expectError(inflateBody(z, 2 ** 31 - 1, 256), "TooLarge") // 2 GiB declared
    expectError(inflateBody(z, MAX_UNCOMPRESSED_LENGTH + 1, 256), "TooLarge")
    expectError(inflateBody(z, 255, 256), "Malformed")
    expectError(inflateBody(z, 0, 0), "Malformed")
    expectError(inflateBody(z, -5, 0), "Malformed")
    assert.strictEqual(bytes(inflateBody(z, 300, 256)).length, 300)
  })

  it("rejects output longer or shorter than declared, truncated streams and garbage", () => {
    const z = Zlib.deflateSync(new Uint8Array(300))
    expectError(inflateBody(z, 299, 0), "Malformed")
    expectError(inflateBody(z, 301, 0), "Malformed")
    expectError(inflateBody(z.subarray(0, z.length - 3), 300, 0), "Malformed")
    expectError(inflateBody(Uint8Array.of(1, 2, 3, 4), 300, 0), "Malformed")
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), fc.integer({ min: 1, max: 5000 }), (garbage, declared) => {
      const r = inflateBody(garbage, declared, 0)
      assert.isTrue(r instanceof ProtocolError || r.length === declared)
    }), { numRuns: 500 })
  })
})
