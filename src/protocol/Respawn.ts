/**
 * The Respawn packet (play state, clientbound) of every version 1.7–26.1, built from where a
 * Join Game put the player (JoinGame.ts): a server switch forwards the new backend's Join Game
 * and then respawns the player into its world, so the client drops the old world's chunks and
 * entities (before 1.16 a client ignores a Respawn into the dimension it is in, so the switch
 * first respawns into another one: {@link otherLegacyDimension}).
 *
 * Layouts by protocol (minecraft-data's protocol.json; https://minecraft.wiki/w/Java_Edition_protocol):
 * - 1.7–1.15: dimension i32, hashed seed (1.15), difficulty (until 1.13.2), game mode, level type;
 * - 1.16–1.20.1: dimension (identifier, or named NBT in 1.16.2–1.18.2), world name, hashed seed,
 *   game mode, previous game mode, debug, flat, keep-metadata flag, last death (1.19+), portal
 *   cooldown (1.20);
 * - 1.20.2–1.20.4: the spawn info, then the keep-metadata flag;
 * - 1.20.5+: the spawn info (dimension type id, sea level from 1.21.2), then data-kept flags.
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import { type DeathLocation, type Dimension, MAX_LEVEL_TYPE_CHARS, SpawnGate, type SpawnState } from "./JoinGame.ts"
import { malformed } from "./ProtocolError.ts"
import { MAX_STRING_CHARS } from "./Utf8.ts"

/** Game mode bits of a pre-1.16 Join Game; bit 3 is the hardcore flag, which Respawn does not carry. */
const LEGACY_GAME_MODE_MASK = 0x07

/** A dimension other than `id` (before 1.16), as Velocity and Infrarust pick it: 0 becomes -1, anything else 0. */
export const otherLegacyDimension = (id: number): number => (id === 0 ? -1 : 0)

const dimension = (w: ByteWriter, d: Dimension, expected: Dimension["_tag"]): ByteWriter => {
  if (d._tag !== expected) return w.fail(malformed("respawn.dimension", `a ${d._tag} dimension where this version has ${expected}`))
  switch (d._tag) {
    case "Legacy":
      return w.i32(d.id)
    case "Named":
      return w.string(d.name, MAX_STRING_CHARS, "respawn.dimension")
    case "Nbt":
      return w.bytes(d.nbt)
    case "TypeId":
      return w.varInt(d.id)
  }
}

const death = (w: ByteWriter, d: DeathLocation | undefined): ByteWriter =>
  d === undefined ? w.bool(false) : w.bool(true).string(d.dimensionName, MAX_STRING_CHARS, "respawn.death_dimension").i64(d.location)

const dimensionTag = (protocol: number): Dimension["_tag"] =>
  protocol < SpawnGate.V1_16
    ? "Legacy"
    : protocol >= SpawnGate.V1_20_5
    ? "TypeId"
    : protocol >= SpawnGate.V1_16_2 && protocol < SpawnGate.V1_19
    ? "Nbt"
    : "Named"

/**
 * The Respawn payload (after the packet id) of `protocol` into `s`, keeping no metadata (a new
 * server's player is a new entity). `dimension` overrides the Join Game's (the pre-1.16 detour).
 */
export const encodeRespawn = (protocol: number, s: SpawnState, dimensionOverride?: Dimension): Encoded => {
  const w = new ByteWriter()
  const d = dimensionOverride ?? s.dimension
  dimension(w, d, dimensionTag(protocol))
  if (protocol < SpawnGate.V1_16) {
    if (protocol >= SpawnGate.V1_15) w.i64(s.hashedSeed)
    if (protocol < SpawnGate.V1_14) w.u8(s.difficulty)
    return w.u8(s.gameMode & LEGACY_GAME_MODE_MASK).string(s.levelType, MAX_LEVEL_TYPE_CHARS, "respawn.level_type").finish()
  }
  w.string(s.worldName, MAX_STRING_CHARS, "respawn.world_name").i64(s.hashedSeed).u8(s.gameMode).u8(s.previousGameMode)
  w.bool(s.isDebug).bool(s.isFlat)
  if (protocol < SpawnGate.V1_20_2) {
    w.bool(false)
    if (protocol >= SpawnGate.V1_19) death(w, s.death)
    if (protocol >= SpawnGate.V1_20) w.varInt(s.portalCooldown)
    return w.finish()
  }
  death(w, s.death).varInt(s.portalCooldown)
  if (protocol >= SpawnGate.V1_21_2) w.varInt(s.seaLevel)
  // 1.20.2–1.20.4: keep-metadata bool; 1.20.5+: data-kept bit flags. 0 = keep nothing.
  return w.u8(0).finish()
}
