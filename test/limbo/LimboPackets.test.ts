/** The limbo's run-time packets: keep-alives per version, Select Known Packs, the Registry Data look. */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { limboData } from "../../src/limbo/LimboData.ts"
import {
  decodeKeepAlive,
  decodeKnownPacks,
  encodeKeepAlive,
  encodeKnownPacks,
  knowsCorePack,
  registryNeedsCorePack
} from "../../src/limbo/LimboPackets.ts"
import { ProtocolError } from "../../src/protocol/ProtocolError.ts"
import { stringByteLength } from "../../src/protocol/ByteWriter.ts"
import { varIntByteLength } from "../../src/protocol/VarInt.ts"

const bytes = (e: Uint8Array | ProtocolError): Uint8Array => {
  if (e instanceof ProtocolError) throw e
  return e
}
const str = fc.string({ maxLength: 40 }).map((s) => s.toWellFormed())
const packs = fc.array(fc.record({ namespace: str, id: str, version: str }), { maxLength: 64 })

describe("keep-alive", () => {
  it("round trip and size per version: i32 (1.7), VarInt (1.8-1.12.1), i64 (1.12.2+ and configuration)", () => {
    fc.assert(fc.property(fc.constantFrom(5, 47, 110, 338, 340, 767), fc.constantFrom("play" as const, "configuration" as const), fc.integer(), (protocol, state, n) => {
      const id = BigInt(n)
      const payload = bytes(encodeKeepAlive(protocol, state, id))
      const wide = state === "configuration" || protocol >= 340
      assert.strictEqual(payload.length, wide ? 8 : protocol >= 47 ? varIntByteLength(n) : 4)
      return decodeKeepAlive(protocol, state, payload) === id
    }))
  })

  it("totality", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 12 }), fc.constantFrom(5, 47, 340), (b, p) => {
      const r = decodeKeepAlive(p, "play", b)
      return typeof r === "bigint" || r instanceof ProtocolError
    }))
  })
})

describe("Select Known Packs", () => {
  it("round trip and size", () => {
    fc.assert(fc.property(packs, (ps) => {
      const payload = bytes(encodeKnownPacks(ps))
      const size = varIntByteLength(ps.length) + ps.reduce((n, p) => n + [p.namespace, p.id, p.version].reduce((m, s) => m + stringByteLength(s), 0), 0)
      assert.strictEqual(payload.length, size)
      assert.deepStrictEqual(decodeKnownPacks(payload), ps)
    }))
  })

  it("more than 64 packs is refused both ways; any bytes decode or fail without throwing", () => {
    const many = Array.from({ length: 65 }, () => ({ namespace: "a", id: "b", version: "c" }))
    assert.instanceOf(encodeKnownPacks(many), ProtocolError)
    assert.instanceOf(decodeKnownPacks(Uint8Array.of(65)), ProtocolError)
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      const r = decodeKnownPacks(b)
      return Array.isArray(r) || r instanceof ProtocolError
    }))
  })

  it("minecraft:core is what lets the limbo send keys only", () => {
    assert.isTrue(knowsCorePack([{ namespace: "minecraft", id: "core", version: "1.21.4" }]))
    assert.isFalse(knowsCorePack([]))
    assert.isFalse(knowsCorePack([{ namespace: "fabric", id: "core", version: "1" }]))
  })
})

describe("Registry Data", () => {
  it("tells keys-only registries from full ones (the generated 1.20.5+ sets)", () => {
    for (const protocol of [766, 769, 775]) {
      const data = limboData(protocol)!
      assert.isNotEmpty(data.registriesFull)
      assert.strictEqual(data.registriesFull.length, data.registriesKeys.length)
      for (const p of data.registriesFull) assert.isFalse(registryNeedsCorePack(p.payload), `${protocol} full`)
      for (const p of data.registriesKeys) assert.isTrue(registryNeedsCorePack(p.payload), `${protocol} keys`)
    }
  })

  it("totality", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      const r = registryNeedsCorePack(b)
      return typeof r === "boolean" || r instanceof ProtocolError
    }))
  })
})
