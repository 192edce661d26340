/**
 * Join Game decoding and Respawn encoding on their own: totality on arbitrary bytes for every
 * layout, every truncation of a valid Join Game is an error (never a half-read world), and the
 * Respawn's size is what its fields add up to. The per-version layouts are pinned against
 * minecraft-protocol in SpawnCrossCheck.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { ByteWriter } from "../../src/protocol/ByteWriter.ts"
import { decodeJoinGame, SpawnGate, type SpawnState } from "../../src/protocol/JoinGame.ts"
import { isProtocolError, ProtocolError } from "../../src/protocol/ProtocolError.ts"
import { encodeRespawn, otherLegacyDimension } from "../../src/protocol/Respawn.ts"
import { expectBytes } from "./Helpers.ts"

/** One protocol of each layout. */
const LAYOUTS = [5, 47, 110, 477, 573, 735, 754, 757, 759, 763, 764, 766, 768, 775]

/** A 1.21.4 Join Game written by hand: entity 7, overworld type 0, survival, no death location. */
const joinGame1214 = () =>
  expectBytes(
    new ByteWriter()
      .i32(7).bool(false).varInt(1).string("minecraft:overworld", 100).varInt(20).varInt(10).varInt(10)
      .bool(false).bool(true).bool(false)
      .varInt(0).string("minecraft:overworld", 100).i64(42n).u8(0).u8(255).bool(false).bool(true).bool(false).varInt(3).varInt(63)
      .bool(false)
      .finish()
  )

describe("JoinGame", () => {
  it("reads the spawn fields of a 1.21.4 Join Game", () => {
    const s = decodeJoinGame(joinGame1214(), 769)
    if (isProtocolError(s)) return assert.fail(s.message)
    assert.deepStrictEqual(s, {
      entityId: 7, gameMode: 0, previousGameMode: 255, difficulty: 0, dimension: { _tag: "TypeId", id: 0 },
      worldName: "minecraft:overworld", levelType: "", hashedSeed: 42n, isDebug: false, isFlat: true, death: undefined,
      portalCooldown: 3, seaLevel: 63
    })
  })

  it("every truncation of a Join Game is an error", () => {
    const bytes = joinGame1214()
    // The last field read is the sea level; the secure-chat flag after it is not needed.
    for (let n = 0; n < bytes.length - 1; n++) assert.instanceOf(decodeJoinGame(bytes.subarray(0, n), 769), ProtocolError, `${n} bytes`)
  })

  it("is total on arbitrary bytes for every layout", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.constantFrom(...LAYOUTS), (bytes, protocol) => {
      const r = decodeJoinGame(bytes, protocol)
      assert.isTrue(isProtocolError(r) || typeof r.entityId === "number")
    }), { numRuns: 2000 })
  })
})

describe("Respawn", () => {
  const legacy: SpawnState = {
    entityId: 1, gameMode: 0x09, previousGameMode: 255, difficulty: 2, dimension: { _tag: "Legacy", id: 0 }, worldName: "",
    levelType: "flat", hashedSeed: 5n, isDebug: false, isFlat: false, death: undefined, portalCooldown: 0, seaLevel: 0
  }

  it("drops the hardcore bit before 1.16 and sizes to its fields", () => {
    const bytes = expectBytes(encodeRespawn(47, legacy))
    // i32 dimension, u8 difficulty, u8 game mode, string "flat".
    assert.strictEqual(bytes.length, 4 + 1 + 1 + 1 + 4)
    assert.strictEqual(bytes[5], 0x01)
  })

  it("detours through another dimension before 1.16", () => {
    fc.assert(fc.property(fc.integer({ min: -1, max: 1 }), (id) => otherLegacyDimension(id) !== id))
  })

  it("refuses a dimension of another version's form", () => {
    assert.instanceOf(encodeRespawn(SpawnGate.V1_20_5, legacy), ProtocolError)
    assert.instanceOf(encodeRespawn(47, { ...legacy, dimension: { _tag: "TypeId", id: 0 } }), ProtocolError)
  })
})
