/** The limbo data container: round trip, encoded size, every prefix refused, totality. */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { decodeLimboData, encodeLimboData, type LimboVersion, type Slot } from "../../src/limbo/LimboDataCodec.ts"
import { ProtocolError } from "../../src/protocol/ProtocolError.ts"
import { varIntByteLength } from "../../src/protocol/VarInt.ts"

const version: fc.Arbitrary<LimboVersion> = fc.record({
  protocol: fc.nat({ max: 2_000_000 }),
  packets: fc.array(fc.record({
    slot: fc.integer({ min: 0, max: 5 }).map((n) => n as Slot),
    id: fc.nat({ max: 300 }),
    payload: fc.uint8Array({ maxLength: 200 })
  }), { maxLength: 8 })
})
const versions = fc.array(version, { maxLength: 6 })

const bytesOf = (vs: ReadonlyArray<LimboVersion>): Uint8Array => {
  const e = encodeLimboData(vs)
  if (e instanceof ProtocolError) throw e
  return e
}

const expectedSize = (vs: ReadonlyArray<LimboVersion>): number =>
  5 + varIntByteLength(vs.length) + vs.reduce((n, v) =>
    n + varIntByteLength(v.protocol) + varIntByteLength(v.packets.length) +
    v.packets.reduce((m, p) => m + 1 + varIntByteLength(p.id) + varIntByteLength(p.payload.length) + p.payload.length, 0), 0)

describe("LimboDataCodec", () => {
  it("round trip", () => {
    fc.assert(fc.property(versions, (vs) => {
      const d = decodeLimboData(bytesOf(vs))
      assert.strictEqual(d._tag, "Done")
      if (d._tag === "Done") assert.deepStrictEqual(d.value.map((v) => ({ ...v, packets: v.packets.map((p) => ({ ...p, payload: [...p.payload] })) })), vs.map((v) => ({ ...v, packets: v.packets.map((p) => ({ ...p, payload: [...p.payload] })) })))
    }))
  })

  it("encoded size", () => {
    fc.assert(fc.property(versions, (vs) => bytesOf(vs).length === expectedSize(vs)))
  })

  it("every strict prefix is refused, never half-read", () => {
    fc.assert(fc.property(versions.filter((vs) => vs.length > 0), (vs) => {
      const bytes = bytesOf(vs)
      for (let n = 1; n < bytes.length; n++) {
        const d = decodeLimboData(bytes.subarray(0, n))
        if (d._tag === "Done") return false
      }
      return decodeLimboData(new Uint8Array(0))._tag === "NeedMore"
    }), { numRuns: 50 })
  })

  it("totality: any bytes decode to a value or an error, without throwing", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
      for (const bytes of [tail, Uint8Array.of(0x49, 0x52, 0x4c, 0x42, 1, ...tail)]) {
        const d = decodeLimboData(bytes)
        if (!(d._tag === "Done" || d._tag === "NeedMore" || d instanceof ProtocolError)) return false
      }
      return true
    }))
  })

  it("a count larger than the bytes left is refused before anything is allocated", () => {
    const d = decodeLimboData(Uint8Array.of(0x49, 0x52, 0x4c, 0x42, 1, 0xff, 0xff, 0xff, 0xff, 0x07))
    assert.instanceOf(d, ProtocolError)
  })
})
