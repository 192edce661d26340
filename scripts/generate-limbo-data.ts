/**
 * Generates `src/limbo/LimboData.bin.br`: the limbo's fixed packets for every version, encoded
 * once here with minecraft-protocol's serializer and minecraft-data (devDependencies: the proxy
 * never loads either at run time), in the container of src/limbo/LimboDataCodec.ts, brotli
 * compressed.
 *
 *   npm run generate:limbo        (= node scripts/generate-limbo-data.ts)
 *
 * Per version: Join Game into the End (dimension `minecraft:the_end`, legacy id 1), adventure
 * mode; the spawn sequence (spawn position, abilities, position above the build height, health,
 * centre chunk from 1.14, "start waiting for level chunks" from 1.20.3); and for 1.20.2+ the
 * configuration phase: Feature Flags, Registry Data (one codec up to 1.20.4; one packet per
 * registry from 1.20.5, both with every entry's data and keys only for clients that know the
 * `minecraft:core` pack), the Known Packs offer (1.20.5+).
 *
 * Registries come from minecraft-data's `loginPacket.json` (what a vanilla server of that version
 * sent), pruned: the biome registry keeps only `minecraft:plains` (clients fall back to it) and
 * `minecraft:the_end` (the limbo's biome); every other registry is kept whole, because a client
 * resolves entries of them by name (damage types, chat types) or can fail on a missing one.
 *
 * Versions: every minecraft-protocol version, plus the pre-1.16 releases of minecraft-data
 * (their packets have no registries, so minecraft-data describes them fully). A version of the
 * same protocol number shares the data.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import * as Zlib from "node:zlib"
import { encodeLimboData, type LimboPacket, type LimboVersion, Slot } from "../src/limbo/LimboDataCodec.ts"
import { isProtocolError } from "../src/protocol/ProtocolError.ts"
import { releases } from "../src/protocol/ProtocolVersion.ts"
import { decodeVarInt } from "../src/protocol/VarInt.ts"

const require = (await import("node:module")).createRequire(import.meta.url)
const mc = require("minecraft-protocol")
const mcData = require("minecraft-data")

export const OUTPUT = Path.join(import.meta.dirname, "../src/limbo/LimboData.bin.br")

/** Where the player stands: above every dimension's build height, so no chunk is needed (see docs/limbo.md). */
export const SPAWN = { x: 0.5, y: 400, z: 0.5 } as const
const KEEP_BIOMES = new Set(["minecraft:plains", "minecraft:the_end"])
const THE_END = "minecraft:the_end"
const ADVENTURE = 2

const P = { v1_8: 47, v1_9: 107, v1_14: 477, v1_16: 735, v1_16_2: 751, v1_19: 759, v1_20_2: 764, v1_20_3: 765, v1_20_5: 766 } as const

/** minecraft-data versions to generate, one per protocol number, oldest first. */
const versionsToGenerate = (): ReadonlyArray<string> => {
  const byProtocol = new Map<number, string>()
  const add = (v: string) => {
    const protocol: number = mcData(v).version.version
    if (!byProtocol.has(protocol)) byProtocol.set(protocol, v)
  }
  for (const v of mc.supportedVersions as ReadonlyArray<string>) add(v)
  for (const release of releases) {
    if (release.protocol >= P.v1_16) continue
    const name = release.names.find((n) => mcData(n)?.protocol !== undefined && mcData(n).version.version === release.protocol)
    if (name !== undefined) add(name)
  }
  return [...byProtocol.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v)
}

/** minecraft-protocol serializes `VarInt id | payload`; split it. */
const serialize = (version: string, state: string, name: string, params: unknown): { id: number; payload: Uint8Array } => {
  const serializer = mc.createSerializer({ state, isServer: true, version })
  const body: Uint8Array = serializer.createPacketBuffer({ name, params })
  const id = decodeVarInt(body, 0, body.length)
  if (id._tag !== "Done") throw new Error(`${version} ${name}: no packet id`)
  return { id: id.value, payload: Uint8Array.from(body.subarray(id.offset)) }
}

interface Registry {
  readonly id: string
  readonly entries: ReadonlyArray<{ readonly key: string; readonly value?: unknown }>
}

/** The registries of 1.20.5+ (one Registry Data each), biomes pruned. */
const segmentedRegistries = (codec: Record<string, Registry>): ReadonlyArray<Registry> =>
  Object.values(codec).map((r) =>
    r.id === "minecraft:worldgen/biome" ? { ...r, entries: r.entries.filter((e) => KEEP_BIOMES.has(e.key)) } : r
  )

/** The one-NBT codec of 1.16.2-1.20.4, biomes pruned and renumbered (ids must stay dense). */
const prunedCodec = (codec: any): any => {
  const copy = structuredClone(codec)
  const biomes = copy.value["minecraft:worldgen/biome"].value.value.value
  biomes.value = biomes.value.filter((b: any) => KEEP_BIOMES.has(b.name.value))
  biomes.value.forEach((b: any, i: number) => (b.id.value = i))
  return copy
}

const endElementOf = (codec: any): any => {
  const list = codec.value["minecraft:dimension_type"].value.value.value.value as Array<any>
  const end = list.find((d) => d.name.value === THE_END)
  if (end === undefined) throw new Error("the codec has no minecraft:the_end dimension")
  return { type: "compound", name: "", value: end.element.value }
}

/** Join Game: the End, adventure, no respawn screen worries (the limbo never kills). */
const joinParams = (protocol: number, login: any, registries: ReadonlyArray<Registry> | undefined): unknown => {
  const common = {
    entityId: 1, isHardcore: false, gameMode: ADVENTURE, previousGameMode: 255, difficulty: 0, maxPlayers: 1,
    levelType: "default", reducedDebugInfo: false, viewDistance: 2, simulationDistance: 2, enableRespawnScreen: true,
    isDebug: false, isFlat: false, hashedSeed: [0, 0], portalCooldown: 0, doLimitedCrafting: false, enforcesSecureChat: false
  }
  if (protocol < P.v1_16) return { ...common, dimension: 1 }
  const worldNames = [THE_END]
  if (protocol < P.v1_20_2) {
    const codec = prunedCodec(login.dimensionCodec)
    const previousGameMode = protocol < 755 ? 255 : -1
    if (protocol < P.v1_19) return { ...common, previousGameMode, worldNames, dimensionCodec: codec, dimension: endElementOf(codec), worldName: THE_END }
    return { ...common, previousGameMode, worldNames, dimensionCodec: codec, worldType: THE_END, worldName: THE_END }
  }
  if (protocol < P.v1_20_5) return { ...common, previousGameMode: -1, worldNames, worldType: THE_END, worldName: THE_END }
  const dimensions = registries!.find((r) => r.id === "minecraft:dimension_type")!.entries.map((e) => e.key)
  const worldState = {
    dimension: dimensions.indexOf(THE_END), name: THE_END, hashedSeed: [0, 0], gamemode: "adventure", previousGamemode: 255,
    isDebug: false, isFlat: false, portalCooldown: 0, seaLevel: 63
  }
  if (worldState.dimension < 0) throw new Error("no minecraft:the_end dimension type")
  return { ...common, worldNames, worldState }
}

/** The spawn sequence after Join Game, in the order a vanilla server sends it. */
const spawnPackets = (version: string, protocol: number): ReadonlyArray<{ id: number; payload: Uint8Array }> => {
  const at = { x: 0, y: SPAWN.y, z: 0 }
  const out = [
    serialize(version, "play", "spawn_position", {
      location: at, angle: 0, globalPos: { dimensionName: THE_END, location: at }, yaw: 0, pitch: 0
    }),
    // 0x01: invulnerable; no flying.
    serialize(version, "play", "abilities", { flags: 1, flyingSpeed: 0.05, walkingSpeed: 0.1 }),
    serialize(version, "play", "position", {
      ...SPAWN, yaw: 0, pitch: 0, dx: 0, dy: 0, dz: 0, flags: protocol >= P.v1_20_5 ? {} : 0, onGround: true,
      teleportId: 1, dismountVehicle: false
    }),
    // mineflayer's `spawn` waits for this; vanilla servers send it on join.
    serialize(version, "play", "update_health", { health: 20, food: 20, foodSaturation: 5 })
  ]
  if (protocol >= P.v1_14) out.push(serialize(version, "play", "update_view_position", { chunkX: 0, chunkZ: 0 }))
  if (protocol >= P.v1_20_3) out.push(serialize(version, "play", "game_state_change", { reason: "level_chunks_load_start", gameMode: 0 }))
  return out
}

const configPackets = (version: string, protocol: number, login: any): { packets: Array<LimboPacket>; registries?: ReadonlyArray<Registry> } => {
  const packets: Array<LimboPacket> = []
  const push = (slot: Slot, p: { id: number; payload: Uint8Array }) => packets.push({ slot, ...p })
  push(Slot.ConfigExtra, serialize(version, "configuration", "feature_flags", { features: ["minecraft:vanilla"] }))
  if (protocol < P.v1_20_5) {
    push(Slot.RegistryFull, serialize(version, "configuration", "registry_data", { codec: prunedCodec(login.dimensionCodec) }))
    return { packets }
  }
  const registries = segmentedRegistries(login.dimensionCodec)
  const name = mcData(version).version.minecraftVersion
  push(Slot.KnownPacks, serialize(version, "configuration", "select_known_packs", { packs: [{ namespace: "minecraft", id: "core", version: name }] }))
  for (const r of registries) push(Slot.RegistryFull, serialize(version, "configuration", "registry_data", r))
  for (const r of registries) {
    push(Slot.RegistryKeys, serialize(version, "configuration", "registry_data", { id: r.id, entries: r.entries.map((e) => ({ key: e.key })) }))
  }
  return { packets, registries }
}

export const buildVersion = (version: string): LimboVersion => {
  const data = mcData(version)
  const protocol: number = data.version.version
  const login = protocol >= P.v1_16 ? data.loginPacket : undefined
  if (protocol >= P.v1_16 && login?.dimensionCodec === undefined) throw new Error(`${version}: minecraft-data has no login packet`)
  const config = protocol >= P.v1_20_2 ? configPackets(version, protocol, login) : { packets: [] }
  const packets: Array<LimboPacket> = [...config.packets]
  packets.push({ slot: Slot.Join, ...serialize(version, "play", "login", joinParams(protocol, login, config.registries)) })
  for (const p of spawnPackets(version, protocol)) packets.push({ slot: Slot.Spawn, ...p })
  return { protocol, packets }
}

/** The uncompressed container and the versions it holds. */
export const renderLimboData = (): { bytes: Uint8Array; versions: ReadonlyArray<string> } => {
  const versions = versionsToGenerate()
  const encoded = encodeLimboData(versions.map(buildVersion))
  if (isProtocolError(encoded)) throw new Error(encoded.message)
  return { bytes: encoded, versions }
}

/** Brotli at its best, with a window wide enough to share the registries of neighbouring versions. */
export const compress = (bytes: Uint8Array): Uint8Array =>
  Zlib.brotliCompressSync(bytes, {
    params: {
      [Zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [Zlib.constants.BROTLI_PARAM_LGWIN]: 24,
      [Zlib.constants.BROTLI_PARAM_SIZE_HINT]: bytes.length
    }
  })

if (import.meta.main) {
  const { bytes, versions } = renderLimboData()
  const compressed = compress(bytes)
  Fs.writeFileSync(OUTPUT, compressed)
  console.log(`wrote ${Path.relative(process.cwd(), OUTPUT)}: ${versions.length} versions (${versions.join(", ")}), ${bytes.length} bytes, ${compressed.length} compressed`)
}
