/**
 * Join Game and Respawn against minecraft-protocol 1.68.0's serializer and parser (protodef over
 * minecraft-data 3.117.0), for every version the library supports: a Join Game it serializes
 * (random values for every field of that version's layout, generated from the layout itself),
 * we decode; the Respawn we build from that, it parses back to the same world — and its own
 * serializer writes the same bytes as ours. The pre-1.16 detour dimension is checked too.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import minecraftData from "minecraft-data"
import mc from "minecraft-protocol"
import nbt from "prismarine-nbt"
import { decodeJoinGame, type SpawnState } from "../../src/protocol/JoinGame.ts"
import { packetId } from "../../src/protocol/PacketIds.ts"
import { isProtocolError } from "../../src/protocol/ProtocolError.ts"
import { encodeRespawn, otherLegacyDimension } from "../../src/protocol/Respawn.ts"
import { decodeVarInt } from "../../src/protocol/VarInt.ts"
import { expectBytes, int32, int64, wellFormedString } from "./Helpers.ts"

type Params = Record<string, unknown>
type FieldType = string | readonly [string, unknown]

const versions = (mc as unknown as { supportedVersions: ReadonlyArray<string> }).supportedVersions

/** minecraft-protocol's play state, one direction. */
const play = (version: string) => {
  const write = mc.createSerializer({ state: mc.states.PLAY, isServer: true, version } as mc.SerializerOptions) as unknown as {
    createPacketBuffer: (p: unknown) => Buffer
  }
  const read = mc.createDeserializer({ state: mc.states.PLAY, isServer: false, version } as mc.SerializerOptions) as unknown as {
    parsePacketBuffer: (b: Buffer) => { data: { name: string; params: Params } }
  }
  return {
    /** `packet id + payload`. */
    write: (name: string, params: Params) => new Uint8Array(write.createPacketBuffer({ name, params })),
    read: (bytes: Uint8Array) => read.parsePacketBuffer(Buffer.from(bytes)).data
  }
}

/** An arbitrary value of a protodef type of this version's protocol.json. */
const arbitraryOf = (types: Record<string, unknown>, type: FieldType, field: string): fc.Arbitrary<unknown> => {
  if (typeof type === "string") {
    switch (type) {
      case "i32":
        return int32
      case "u8":
        return fc.integer({ min: 0, max: 255 })
      case "i8":
        return fc.integer({ min: -128, max: 127 })
      case "bool":
        return fc.boolean()
      case "varint":
        return fc.integer({ min: 0, max: 2 ** 31 - 1 })
      case "i64":
        return int64
      case "string":
        return wellFormedString(field === "levelType" ? 16 : 40)
      case "nbt":
        return fc.record({ a: int32, b: wellFormedString(10) }).map(({ a, b }) => nbt.comp({ a: nbt.int(a), b: nbt.string(b) }))
      case "position":
        return fc.record({ x: fc.integer({ min: -(2 ** 25), max: 2 ** 25 - 1 }), y: fc.integer({ min: -2048, max: 2047 }), z: fc.integer({ min: -(2 ** 25), max: 2 ** 25 - 1 }) })
      default:
        return arbitraryOf(types, types[type] as FieldType, field)
    }
  }
  const [kind, spec] = type
  switch (kind) {
    case "container": {
      const fields = spec as ReadonlyArray<{ name: string; type: FieldType }>
      return fc.record(Object.fromEntries(fields.map((f) => [f.name, arbitraryOf(types, f.type, f.name)])))
    }
    case "option":
      return fc.option(arbitraryOf(types, spec as FieldType, field), { nil: undefined })
    case "array":
      return fc.array(arbitraryOf(types, (spec as { type: FieldType }).type, field), { maxLength: 3 })
    case "mapper":
      return fc.constantFrom(...Object.values((spec as { mappings: Record<string, string> }).mappings))
    default:
      throw new Error(`no arbitrary for ${kind}`)
  }
}

/** protodef's i64 reads as [high, low]. */
const long = (v: unknown): bigint =>
  typeof v === "bigint" ? v : Array.isArray(v) ? BigInt.asIntN(64, (BigInt(v[0] as number) << 32n) | BigInt((v[1] as number) >>> 0)) : BigInt(v as number)
const GAME_MODES: Record<string, number> = { survival: 0, creative: 1, adventure: 2, spectator: 3 }
const byte = (v: unknown): number => (typeof v === "string" ? GAME_MODES[v]! : (v as number) & 0xff)

/** The world fields of a Join Game's or Respawn's params, flattened (1.20.5+ nest them in `worldState`). */
const world = (p: Params) => {
  const s = (p["worldState"] as Params | undefined) ?? p
  return {
    dimension: s["dimension"] ?? s["worldType"],
    worldName: s["worldName"] ?? s["name"],
    hashedSeed: s["hashedSeed"] === undefined ? undefined : long(s["hashedSeed"]),
    gameMode: byte(s["gameMode"] ?? s["gamemode"]),
    previousGameMode: s["previousGameMode"] ?? s["previousGamemode"],
    difficulty: s["difficulty"],
    levelType: s["levelType"],
    isDebug: s["isDebug"],
    isFlat: s["isFlat"],
    death: s["death"],
    portalCooldown: s["portalCooldown"],
    seaLevel: s["seaLevel"]
  }
}

const payloadOf = (packet: Uint8Array): Uint8Array => {
  const id = decodeVarInt(packet, 0)
  return id._tag === "Done" ? packet.subarray(id.offset) : assert.fail("no packet id")
}
const withId = (id: number, payload: Uint8Array): Uint8Array => {
  const out = new Uint8Array(payload.length + 5)
  let at = 0
  let v = id
  do {
    out[at++] = (v & 0x7f) | (v > 0x7f ? 0x80 : 0)
    v >>>= 7
  } while (v !== 0)
  out.set(payload, at)
  return out.subarray(0, at + payload.length)
}

describe("Join Game and Respawn agree with minecraft-protocol", () => {
  it("covers every version it supports (1.7 to 26.1)", () => {
    assert.isAtLeast(versions.length, 30)
  })

  for (const version of versions) {
    const data = minecraftData(version)
    const protocol = data.version.version ?? 0
    it(`${version} (protocol ${protocol})`, () => {
      const peer = play(version)
      const protocolJson = data.protocol as unknown as { types: Record<string, unknown>; play: { toClient: { types: Record<string, unknown> } } }
      const types = { ...protocolJson.types, ...protocolJson.play.toClient.types }
      const joinGame = arbitraryOf(types, types["packet_login"] as FieldType, "login")
      const id = packetId(protocol, "play", "clientbound", "respawn") ?? assert.fail("no respawn id")
      fc.assert(fc.property(joinGame, (params) => {
        const sent = peer.write("login", params as Params)
        const theirs = peer.read(sent).params
        const ours = decodeJoinGame(payloadOf(sent), protocol)
        if (isProtocolError(ours)) return assert.fail(ours.message)
        assert.strictEqual(ours.entityId, theirs["entityId"])
        const respawn = expectBytes(encodeRespawn(protocol, ours))
        const parsed = peer.read(withId(id, respawn))
        assert.strictEqual(parsed.name, "respawn")
        const expected = world(theirs)
        const got = world(parsed.params)
        if (protocol < 735) expected.gameMode &= 0x07
        if (typeof expected.previousGameMode === "number") expected.previousGameMode &= 0xff
        if (typeof got.previousGameMode === "number") got.previousGameMode &= 0xff
        if (protocol >= 735) expected.levelType = got.levelType
        for (const key of Object.keys(got) as Array<keyof typeof got>) {
          if (got[key] === undefined) continue
          assert.deepStrictEqual(got[key], expected[key], `${version}: ${key}`)
        }
        // Their serializer writes our bytes for the same values.
        assert.deepStrictEqual(payloadOf(peer.write("respawn", parsed.params)), respawn)
        if (protocol < 735) detour(peer, protocol, ours, id)
      }), { numRuns: 15 })
    })
  }
})

/** Before 1.16: the detour Respawn goes to another dimension and they read it so. */
const detour = (peer: ReturnType<typeof play>, protocol: number, s: SpawnState, id: number) => {
  if (s.dimension._tag !== "Legacy") return assert.fail("a pre-1.16 dimension is an id")
  const other = otherLegacyDimension(s.dimension.id)
  assert.notStrictEqual(other, s.dimension.id)
  const parsed = peer.read(withId(id, expectBytes(encodeRespawn(protocol, s, { _tag: "Legacy", id: other })))).params
  assert.strictEqual(parsed["dimension"], other)
}
