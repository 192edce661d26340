/**
 * The Join Game packet (minecraft-data `login`, play state, clientbound) of every version
 * 1.7–26.1, read as far as a server switch needs it: the world the new backend puts the player
 * in, i.e. every field a Respawn repeats (Respawn.ts). The fields after the last one a Respawn
 * needs (view distance, flags of the client's UI) are not read, so trailing bytes are accepted.
 *
 * Layouts by protocol (minecraft-data's protocol.json; https://minecraft.wiki/w/Java_Edition_protocol):
 * - 1.7–1.15: entity id, game mode (hardcore = bit 3), dimension (i8 until 1.9, i32 from 1.9.1),
 *   difficulty (until 1.13.2), hashed seed (1.15), max players, level type;
 * - 1.16–1.20.1: entity id, hardcore (1.16.2+), game mode, previous game mode, world names, the
 *   registry codec (named NBT, skipped), the dimension (an identifier in 1.16–1.16.1 and
 *   1.19–1.20.1, the dimension type itself as named NBT in 1.16.2–1.18.2), world name, hashed
 *   seed, ..., debug and flat flags, last death location (1.19+), portal cooldown (1.20);
 * - 1.20.2+: entity id, hardcore, world names and client settings first, then the spawn info
 *   (dimension type as an identifier in 1.20.2–1.20.4, as a registry id from 1.20.5; world
 *   name, hashed seed, game modes, flags, last death, portal cooldown, sea level from 1.21.2).
 */
import { PacketReader } from "./PacketReader.ts"
import { malformed, type ProtocolError } from "./ProtocolError.ts"
import { MAX_STRING_CHARS } from "./Utf8.ts"

/** Protocol gates of the Join Game and Respawn layouts. */
export const SpawnGate = {
  /** The dimension becomes an i32 (it was an i8). */
  V1_9_1: 108,
  V1_14: 477,
  V1_15: 573,
  V1_16: 735,
  V1_16_2: 751,
  V1_18: 757,
  V1_19: 759,
  V1_20: 763,
  V1_20_2: 764,
  V1_20_5: 766,
  V1_21_2: 768
} as const

/** Vanilla's level type limit (1.7–1.15). */
export const MAX_LEVEL_TYPE_CHARS = 16
/** World names in a Join Game: vanilla has 3; a modded server a few hundred at most. */
export const MAX_WORLD_NAMES = 4096

/** Which dimension the player is in, in the form its version names it. */
export type Dimension =
  /** Before 1.16: -1 nether, 0 overworld, 1 end. */
  | { readonly _tag: "Legacy"; readonly id: number }
  /** 1.16–1.16.1, 1.19–1.20.4: an identifier (`minecraft:overworld`). */
  | { readonly _tag: "Named"; readonly name: string }
  /** 1.16.2–1.18.2: the dimension type as a named NBT compound (its raw bytes). */
  | { readonly _tag: "Nbt"; readonly nbt: Uint8Array }
  /** 1.20.5+: the dimension type's id in the registry the server sent. */
  | { readonly _tag: "TypeId"; readonly id: number }

export interface DeathLocation {
  readonly dimensionName: string
  /** Block position packed in 64 bits, as sent. */
  readonly location: bigint
}

/** Where a Join Game puts the player: what a Respawn to the same place repeats. */
export interface SpawnState {
  readonly entityId: number
  /** The game mode byte as sent (before 1.16 it carries the hardcore flag in bit 3). */
  readonly gameMode: number
  /** 1.16+: the previous game mode byte as sent (255 = none). */
  readonly previousGameMode: number
  /** Before 1.14. */
  readonly difficulty: number
  readonly dimension: Dimension
  /** 1.16+: the world's identifier (`minecraft:overworld`). */
  readonly worldName: string
  /** Before 1.16. */
  readonly levelType: string
  /** 1.15+. */
  readonly hashedSeed: bigint
  readonly isDebug: boolean
  readonly isFlat: boolean
  /** 1.19+. */
  readonly death: DeathLocation | undefined
  /** 1.20+. */
  readonly portalCooldown: number
  /** 1.21.2+. */
  readonly seaLevel: number
}

/** Reads the game-mode-to-death part that 1.16–1.20.1 and 1.20.2+ share in different orders. */
const readDeath = (r: PacketReader, protocol: number): DeathLocation | undefined => {
  if (protocol < SpawnGate.V1_19 || !r.bool("has_death_location")) return undefined
  const dimensionName = r.string(MAX_STRING_CHARS, "death_dimension")
  return { dimensionName, location: r.i64("death_location") }
}

const legacy = (r: PacketReader, protocol: number, entityId: number): SpawnState => {
  const gameMode = r.u8("game_mode")
  const id = protocol < SpawnGate.V1_9_1 ? (r.u8("dimension") << 24) >> 24 : r.i32("dimension")
  const difficulty = protocol < SpawnGate.V1_14 ? r.u8("difficulty") : 0
  const hashedSeed = protocol >= SpawnGate.V1_15 ? r.i64("hashed_seed") : 0n
  r.u8("max_players")
  const levelType = r.string(MAX_LEVEL_TYPE_CHARS, "level_type")
  return {
    entityId, gameMode, previousGameMode: 255, difficulty, dimension: { _tag: "Legacy", id }, worldName: "", levelType,
    hashedSeed, isDebug: false, isFlat: false, death: undefined, portalCooldown: 0, seaLevel: 0
  }
}

const worldNames = (r: PacketReader): void => {
  const count = r.varInt("world_names")
  if (count < 0 || count > MAX_WORLD_NAMES) return r.fail(malformed("join_game.world_names", `${count} names`))
  for (let i = 0; i < count && !r.failed; i++) r.string(MAX_STRING_CHARS, "world_name")
}

/** 1.16–1.20.1. */
const registryCodecEra = (r: PacketReader, protocol: number, entityId: number): SpawnState => {
  if (protocol >= SpawnGate.V1_16_2) r.bool("is_hardcore")
  const gameMode = r.u8("game_mode")
  const previousGameMode = r.u8("previous_game_mode")
  worldNames(r)
  r.namedNbt("registry_codec")
  const nbtDimension = protocol >= SpawnGate.V1_16_2 && protocol < SpawnGate.V1_19
  const dimension: Dimension = nbtDimension
    ? { _tag: "Nbt", nbt: r.namedNbt("dimension").slice() }
    : { _tag: "Named", name: r.string(MAX_STRING_CHARS, "dimension") }
  const worldName = r.string(MAX_STRING_CHARS, "world_name")
  const hashedSeed = r.i64("hashed_seed")
  if (protocol >= SpawnGate.V1_16_2) r.varInt("max_players")
  else r.u8("max_players")
  r.varInt("view_distance")
  if (protocol >= SpawnGate.V1_18) r.varInt("simulation_distance")
  r.bool("reduced_debug_info")
  r.bool("enable_respawn_screen")
  const isDebug = r.bool("is_debug")
  const isFlat = r.bool("is_flat")
  const death = readDeath(r, protocol)
  const portalCooldown = protocol >= SpawnGate.V1_20 ? r.varInt("portal_cooldown") : 0
  return {
    entityId, gameMode, previousGameMode, difficulty: 0, dimension, worldName, levelType: "", hashedSeed,
    isDebug, isFlat, death, portalCooldown, seaLevel: 0
  }
}

/** 1.20.2+: settings first, then the spawn info that Respawn repeats. */
const spawnInfoEra = (r: PacketReader, protocol: number, entityId: number): SpawnState => {
  r.bool("is_hardcore")
  worldNames(r)
  r.varInt("max_players")
  r.varInt("view_distance")
  r.varInt("simulation_distance")
  r.bool("reduced_debug_info")
  r.bool("enable_respawn_screen")
  r.bool("do_limited_crafting")
  return { entityId, ...readSpawnInfo(r, protocol) }
}

/** The spawn info of 1.20.2+ (Join Game and Respawn share it). */
export const readSpawnInfo = (r: PacketReader, protocol: number): Omit<SpawnState, "entityId"> => {
  const dimension: Dimension = protocol >= SpawnGate.V1_20_5
    ? { _tag: "TypeId", id: r.varInt("dimension_type") }
    : { _tag: "Named", name: r.string(MAX_STRING_CHARS, "dimension_type") }
  const worldName = r.string(MAX_STRING_CHARS, "world_name")
  const hashedSeed = r.i64("hashed_seed")
  const gameMode = r.u8("game_mode")
  const previousGameMode = r.u8("previous_game_mode")
  const isDebug = r.bool("is_debug")
  const isFlat = r.bool("is_flat")
  const death = readDeath(r, protocol)
  const portalCooldown = r.varInt("portal_cooldown")
  const seaLevel = protocol >= SpawnGate.V1_21_2 ? r.varInt("sea_level") : 0
  return { gameMode, previousGameMode, difficulty: 0, dimension, worldName, levelType: "", hashedSeed, isDebug, isFlat, death, portalCooldown, seaLevel }
}

/** The Join Game payload (after the packet id) of `protocol`. */
export const decodeJoinGame = (payload: Uint8Array, protocol: number): SpawnState | ProtocolError => {
  const r = new PacketReader(payload, "join_game")
  const entityId = r.i32("entity_id")
  const state = protocol < SpawnGate.V1_16
    ? legacy(r, protocol, entityId)
    : protocol < SpawnGate.V1_20_2
    ? registryCodecEra(r, protocol, entityId)
    : spawnInfoEra(r, protocol, entityId)
  return r.finish(true) ?? state
}
