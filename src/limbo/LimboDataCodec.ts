/**
 * The container of the limbo's pre-encoded packets (what scripts/generate-limbo-data.ts writes,
 * brotli-compressed, into src/limbo/LimboData.bin.br): per protocol version, the packets the limbo
 * sends unchanged to every player, each tagged with the step it belongs to.
 *
 * Layout (all counts and lengths VarInt):
 *
 *   "IRLB" | u8 format (1) | count | count × version
 *   version = protocol | count | count × (u8 slot | packet id | length | payload)
 *
 * Invariants: pure (no node:*, no Effect runtime); decoding never throws and never reads past
 * the end; every count is bounded by the bytes left, so hostile input cannot make it allocate
 * more than it holds; packets keep their order within a version (the spawn sequence is ordered).
 */
import { ByteWriter } from "../protocol/ByteWriter.ts"
import { type Decode, done, needMore } from "../protocol/Decode.ts"
import { malformed, type ProtocolError } from "../protocol/ProtocolError.ts"
import { decodeVarInt } from "../protocol/VarInt.ts"

const MAGIC = [0x49, 0x52, 0x4c, 0x42] // "IRLB"
export const LIMBO_DATA_FORMAT = 1

/** Which step of the limbo a packet belongs to. */
export const Slot = {
  /** Configuration: Select Known Packs offer (1.20.5+). */
  KnownPacks: 0,
  /** Configuration: Registry Data with every entry's data (for clients that know no pack). */
  RegistryFull: 1,
  /** Configuration: Registry Data with keys only (clients that know minecraft:core, 1.20.5+). */
  RegistryKeys: 2,
  /** Configuration: sent before the registries in both cases (Feature Flags). */
  ConfigExtra: 3,
  /** Play: Join Game. */
  Join: 4,
  /** Play: the spawn sequence after Join Game, in order. */
  Spawn: 5
} as const
export type Slot = (typeof Slot)[keyof typeof Slot]
const SLOT_COUNT = 6

export interface LimboPacket {
  readonly slot: Slot
  readonly id: number
  readonly payload: Uint8Array
}

export interface LimboVersion {
  readonly protocol: number
  readonly packets: ReadonlyArray<LimboPacket>
}

/** Encodes versions in the given order. */
export const encodeLimboData = (versions: ReadonlyArray<LimboVersion>): Uint8Array | ProtocolError => {
  const w = new ByteWriter()
  for (const b of MAGIC) w.u8(b)
  w.u8(LIMBO_DATA_FORMAT).varInt(versions.length)
  for (const v of versions) {
    w.varInt(v.protocol).varInt(v.packets.length)
    for (const p of v.packets) w.u8(p.slot).varInt(p.id).varInt(p.payload.length).bytes(p.payload)
  }
  return w.finish()
}

/** A cursor that turns the first failure into the result. */
class Cursor {
  readonly bytes: Uint8Array
  at: number
  failure: ProtocolError | undefined = undefined
  constructor(bytes: Uint8Array, at: number) {
    this.bytes = bytes
    this.at = at
  }
  varInt(field: string): number {
    if (this.failure !== undefined) return 0
    const r = decodeVarInt(this.bytes, this.at, this.bytes.length)
    if (r._tag === "Done") {
      this.at = r.offset
      return r.value
    }
    this.failure = r._tag === "NeedMore" ? malformed(field, "truncated") : malformed(field, r.detail)
    return 0
  }
  u8(field: string): number {
    if (this.failure !== undefined) return 0
    if (this.at >= this.bytes.length) return (this.failure = malformed(field, "truncated"), 0)
    return this.bytes[this.at++]!
  }
  take(n: number, field: string): Uint8Array {
    if (this.failure !== undefined) return new Uint8Array(0)
    if (n < 0 || this.at + n > this.bytes.length) return (this.failure = malformed(field, "runs past the end"), new Uint8Array(0))
    const out = this.bytes.subarray(this.at, this.at + n)
    this.at += n
    return out
  }
  /** A count of items each at least `minBytes` long, bounded by the bytes left. */
  count(field: string, minBytes: number): number {
    const n = this.varInt(field)
    if (this.failure === undefined && (n < 0 || n * minBytes > this.bytes.length - this.at)) {
      this.failure = malformed(field, `${n} items cannot fit in ${this.bytes.length - this.at} bytes`)
    }
    return this.failure === undefined ? n : 0
  }
}

/** Decodes the whole container (it is never streamed: NeedMore is never returned). */
export const decodeLimboData = (bytes: Uint8Array): Decode<ReadonlyArray<LimboVersion>> => {
  if (bytes.length < MAGIC.length + 1) return bytes.length === 0 ? needMore : malformed("limbo_data.magic", "truncated")
  if (MAGIC.some((b, i) => bytes[i] !== b)) return malformed("limbo_data.magic", "not a limbo data file")
  if (bytes[4] !== LIMBO_DATA_FORMAT) return malformed("limbo_data.format", `format ${bytes[4]} (expected ${LIMBO_DATA_FORMAT})`)
  const c = new Cursor(bytes, MAGIC.length + 1)
  const versions: Array<LimboVersion> = []
  const n = c.count("limbo_data.versions", 2)
  for (let i = 0; i < n && c.failure === undefined; i++) {
    const protocol = c.varInt("limbo_data.protocol")
    const packets: Array<LimboPacket> = []
    const m = c.count("limbo_data.packets", 3)
    for (let j = 0; j < m && c.failure === undefined; j++) {
      const slot = c.u8("limbo_data.slot")
      if (c.failure === undefined && slot >= SLOT_COUNT) c.failure = malformed("limbo_data.slot", `unknown slot ${slot}`)
      const id = c.varInt("limbo_data.packet_id")
      const payload = c.take(c.varInt("limbo_data.length"), "limbo_data.payload")
      packets.push({ slot: slot as Slot, id, payload })
    }
    versions.push({ protocol, packets })
  }
  if (c.failure !== undefined) return c.failure
  if (c.at !== bytes.length) return malformed("limbo_data", `${bytes.length - c.at} bytes after the last version`)
  return done(versions, c.at)
}
