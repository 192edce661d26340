/**
 * The game traffic the intercepted subjects carry: the packet mix of bench/packet/Floor.ts
 * (half the bytes in 200-byte packets, half in 30 KiB chunk-like ones), framed as a backend
 * sends it after Set Compression 256. The orchestrator builds it once with the project's own
 * FrameWriter and writes it to a file (`writeCorpus`); the fake backend and the load driver read
 * that file (`loadCorpus`), so both directions carry exactly the bytes the floor is measured on,
 * and those processes never load src/packet (which loads Effect).
 *
 * Plain Node.
 */
import * as Fs from "node:fs"
import { readVarInt } from "./wire.ts"

export interface Corpus {
  /** The frames back to back. */
  readonly wire: Buffer
  /** Uncompressed packet bytes (`id | payload`) in one pass over `wire`. */
  readonly packetBytes: number
  /** Wire offset after frame k. */
  readonly frameEnds: Uint32Array
  /** Packet bytes of frames 0..k. */
  readonly packetsThrough: Float64Array
}

export const writeCorpus = (path: string, wire: Uint8Array): void => Fs.writeFileSync(path, wire)

/** Reads and indexes the frames (compression on: every frame has its data-length field). */
export const loadCorpus = (path: string): Corpus => {
  const wire = Fs.readFileSync(path)
  const ends: Array<number> = []
  const through: Array<number> = []
  let total = 0
  for (let at = 0; at < wire.length;) {
    const len = readVarInt(wire, at)!
    const dl = readVarInt(wire, len[1])!
    const end = len[1] + len[0]
    total += dl[0] === 0 ? end - dl[1] : dl[0]
    ends.push(end)
    through.push(total)
    at = end
  }
  return { wire, packetBytes: total, frameEnds: Uint32Array.from(ends), packetsThrough: Float64Array.from(through) }
}

/** What one bulk transfer sends: views of the corpus, and the packet bytes they carry. */
export interface Transfer {
  readonly slices: ReadonlyArray<Buffer>
  readonly packetBytes: number
  readonly wireBytes: number
}

/**
 * Whole passes over the corpus, then whole frames, until at least `packetBytes` packet bytes,
 * cut into views of at most `maxSlice` bytes (no copy).
 */
export const transfer = (c: Corpus, packetBytes: number, maxSlice = 1024 * 1024): Transfer => {
  const slices: Array<Buffer> = []
  const cutInto = (end: number) => {
    for (let at = 0; at < end; at += maxSlice) slices.push(c.wire.subarray(at, Math.min(end, at + maxSlice)))
  }
  const passes = Math.floor(packetBytes / c.packetBytes)
  for (let p = 0; p < passes; p++) cutInto(c.wire.length)
  let carried = passes * c.packetBytes
  let wireBytes = passes * c.wire.length
  const rest = packetBytes - carried
  if (rest > 0) {
    // The first frame whose running total reaches the rest (binary search).
    let lo = 0
    let hi = c.packetsThrough.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (c.packetsThrough[mid]! >= rest) hi = mid
      else lo = mid + 1
    }
    cutInto(c.frameEnds[lo]!)
    carried += c.packetsThrough[lo]!
    wireBytes += c.frameEnds[lo]!
  }
  return { slices, packetBytes: carried, wireBytes }
}
