/**
 * The limbo's fixed packets per protocol version, read once from the generated
 * `LimboData.bin.br` next to this file (scripts/generate-limbo-data.ts; about 18 KB, 0.8 MB
 * once inflated). Nothing of minecraft-data or minecraft-protocol is loaded at run time.
 *
 * Loaded on first use, synchronously (a few milliseconds, once per process): a corrupt or
 * missing file is a defect of the installation and throws there, which
 * test/limbo/LimboData.test.ts rules out for the committed file.
 */
import { readFileSync } from "node:fs"
import { brotliDecompressSync } from "node:zlib"
import { decodeLimboData, type LimboPacket, Slot } from "./LimboDataCodec.ts"

export interface OutPacket {
  readonly id: number
  readonly payload: Uint8Array
}

export interface LimboVersionData {
  readonly protocol: number
  /** Configuration (1.20.2+), sent first in both cases (Feature Flags). */
  readonly configExtra: ReadonlyArray<OutPacket>
  /** Configuration, 1.20.5+: the Select Known Packs offer (`minecraft:core` of this version). */
  readonly knownPacks: OutPacket | undefined
  /** Configuration: Registry Data with every entry's data. */
  readonly registriesFull: ReadonlyArray<OutPacket>
  /** Configuration, 1.20.5+: the same registries, keys only (for a client that knows `minecraft:core`). */
  readonly registriesKeys: ReadonlyArray<OutPacket>
  /** Play: Join Game into the End. */
  readonly join: OutPacket
  /** Play: the spawn sequence after Join Game, in order. */
  readonly spawn: ReadonlyArray<OutPacket>
}

const FILE = new URL("./LimboData.bin.br", import.meta.url)

let table: ReadonlyMap<number, LimboVersionData> | undefined

const ofSlot = (packets: ReadonlyArray<LimboPacket>, slot: Slot): ReadonlyArray<OutPacket> =>
  packets.filter((p) => p.slot === slot).map(({ id, payload }) => ({ id, payload }))

const load = (): ReadonlyMap<number, LimboVersionData> => {
  const decoded = decodeLimboData(new Uint8Array(brotliDecompressSync(readFileSync(FILE))))
  if (decoded._tag !== "Done") throw new Error(`limbo data ${FILE.pathname}: ${decoded._tag === "NeedMore" ? "empty" : decoded.message}`)
  const out = new Map<number, LimboVersionData>()
  for (const v of decoded.value) {
    const join = ofSlot(v.packets, Slot.Join)[0]
    if (join === undefined) throw new Error(`limbo data: protocol ${v.protocol} has no Join Game`)
    out.set(v.protocol, {
      protocol: v.protocol,
      configExtra: ofSlot(v.packets, Slot.ConfigExtra),
      knownPacks: ofSlot(v.packets, Slot.KnownPacks)[0],
      registriesFull: ofSlot(v.packets, Slot.RegistryFull),
      registriesKeys: ofSlot(v.packets, Slot.RegistryKeys),
      join,
      spawn: ofSlot(v.packets, Slot.Spawn)
    })
  }
  return out
}

/** The limbo's packets for `protocol`, or undefined when the limbo cannot host that version. */
export const limboData = (protocol: number): LimboVersionData | undefined => (table ??= load()).get(protocol)

/** Protocol numbers the limbo can host, oldest first. */
export const limboProtocols = (): ReadonlyArray<number> => [...(table ??= load()).keys()]
