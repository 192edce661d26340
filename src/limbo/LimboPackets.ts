/**
 * The few packets the limbo encodes or reads at run time (everything fixed is pre-encoded in
 * LimboData): keep-alives, the player's Select Known Packs answer, and a look into Registry
 * Data to tell whether it relies on the client's own copy of the `minecraft:core` pack.
 *
 * Layouts (minecraft-data protocol.json; https://minecraft.wiki/w/Java_Edition_protocol):
 * - keep-alive id: i32 in 1.7, VarInt 1.8-1.12.1, i64 from 1.12.2 (protocol 340) and in the
 *   configuration state (1.20.2+);
 * - Select Known Packs (1.20.5+, both ways): VarInt count, count × {namespace, id, version} strings;
 * - Registry Data (1.20.5+): registry id, VarInt count, count × {key, has data bool, [NBT]}.
 * Pure: no node:*, no Effect runtime; decoders never throw.
 */
import { ByteWriter, type Encoded } from "../protocol/ByteWriter.ts"
import { readBool, readString } from "../protocol/ByteReader.ts"
import type { NeedMore } from "../protocol/Decode.ts"
import { decodeNbt } from "../protocol/Nbt.ts"
import { PacketReader } from "../protocol/PacketReader.ts"
import { malformed, type ProtocolError, tooLarge } from "../protocol/ProtocolError.ts"
import { MAX_STRING_CHARS } from "../protocol/Utf8.ts"
import { decodeVarInt } from "../protocol/VarInt.ts"

const PROTOCOL_1_8 = 47
const PROTOCOL_1_12_2 = 340
/** Vanilla caps a Select Known Packs list at 64 packs (`ClientboundSelectKnownPacks`). */
export const MAX_KNOWN_PACKS = 64
/** Identifiers and versions are at most 32767 characters; the protocol puts no smaller cap on pack names. */
const PACK_STRING_CHARS = MAX_STRING_CHARS

export type KeepAliveState = "play" | "configuration"

/** A keep-alive payload; `id` must fit the version's field (i32 range before 1.12.2). */
export const encodeKeepAlive = (protocol: number, state: KeepAliveState, id: bigint): Encoded => {
  const w = new ByteWriter()
  if (state === "configuration" || protocol >= PROTOCOL_1_12_2) return w.i64(BigInt.asIntN(64, id)).finish()
  if (protocol >= PROTOCOL_1_8) return w.varInt(Number(BigInt.asIntN(32, id))).finish()
  return w.i32(Number(BigInt.asIntN(32, id))).finish()
}

/** The id of a keep-alive answer, as the i64 it was sent as (older widths sign-extend). */
export const decodeKeepAlive = (protocol: number, state: KeepAliveState, payload: Uint8Array): bigint | ProtocolError => {
  const r = new PacketReader(payload, "keep_alive")
  const id = state === "configuration" || protocol >= PROTOCOL_1_12_2
    ? r.i64("id")
    : BigInt(protocol >= PROTOCOL_1_8 ? r.varInt("id") : r.i32("id"))
  return r.finish() ?? id
}

export interface KnownPack {
  readonly namespace: string
  readonly id: string
  readonly version: string
}

export const encodeKnownPacks = (packs: ReadonlyArray<KnownPack>): Encoded => {
  if (packs.length > MAX_KNOWN_PACKS) return tooLarge("known_packs", `${packs.length} packs, limit ${MAX_KNOWN_PACKS}`)
  const w = new ByteWriter().varInt(packs.length)
  for (const p of packs) w.string(p.namespace, PACK_STRING_CHARS, "namespace").string(p.id, PACK_STRING_CHARS, "id").string(p.version, PACK_STRING_CHARS, "version")
  return w.finish()
}

export const decodeKnownPacks = (payload: Uint8Array): ReadonlyArray<KnownPack> | ProtocolError => {
  const r = new PacketReader(payload, "known_packs")
  const n = r.varInt("count")
  if (n < 0 || n > MAX_KNOWN_PACKS) return tooLarge("known_packs.count", `${n} packs, limit ${MAX_KNOWN_PACKS}`)
  const packs: Array<KnownPack> = []
  for (let i = 0; i < n && !r.failed; i++) {
    packs.push({ namespace: r.string(PACK_STRING_CHARS, "namespace"), id: r.string(PACK_STRING_CHARS, "id"), version: r.string(PACK_STRING_CHARS, "version") })
  }
  return r.finish() ?? packs
}

/** The client keeps vanilla's data pack: registry entries may then be sent without their data. */
export const knowsCorePack = (packs: ReadonlyArray<KnownPack>): boolean =>
  packs.some((p) => p.namespace === "minecraft" && p.id === "core")

/**
 * Whether a 1.20.5+ Registry Data payload leaves any entry's data to the client's own
 * `minecraft:core` pack (true), or carries every entry's data (false).
 */
export const registryNeedsCorePack = (payload: Uint8Array): boolean | ProtocolError => {
  const id = readString(payload, 0, PACK_STRING_CHARS, "registry_data.id")
  if (id._tag !== "Done") return truncated(id)
  const count = decodeVarInt(payload, id.offset)
  if (count._tag !== "Done") return truncated(count)
  let at = count.offset
  for (let i = 0; i < count.value; i++) {
    const key = readString(payload, at, PACK_STRING_CHARS, "registry_data.key")
    if (key._tag !== "Done") return truncated(key)
    const hasData = readBool(payload, key.offset, "registry_data.has_data")
    if (hasData._tag !== "Done") return truncated(hasData)
    if (!hasData.value) return true
    const nbt = decodeNbt(payload, hasData.offset)
    if (nbt._tag !== "Done") return truncated(nbt)
    at = nbt.offset
  }
  return at === payload.length ? false : malformed("registry_data", `${payload.length - at} bytes after the last entry`)
}

const truncated = (d: NeedMore | ProtocolError): ProtocolError =>
  d._tag === "NeedMore" ? malformed("registry_data", "truncated") : d
