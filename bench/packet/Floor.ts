/**
 * The CPU floor of the intercepted modes: what AES-128-CFB8 and zlib cost on their own, and
 * what the packet layer (FrameReader + FrameWriter) costs in the two main relay shapes, in CPU
 * seconds per GiB of game packets (uncompressed `id | payload` bytes, the same unit for every
 * row). For the later relay benchmark: a relay in a shape cannot beat its floor row.
 *
 *   node bench/packet/Floor.ts [MiB of packets per pass, default 64]
 *
 * Workload: half the bytes in 200-byte packets, half in 30 KiB packets, of chunk-like data
 * (test/support/GameBytes.ts); the backend leg compresses at threshold 256 (the vanilla
 * default) and is read in 64 KiB chunks, as `onread` delivers them. One process, one thread,
 * tight loops, CPU from `process.cpuUsage()` (user + system) over at least a second per row.
 * Not a test: nothing here asserts a time.
 *
 * `npm run bench` measures these rows in the same run as the intercepted subjects, on the very
 * corpus their fake backend and load driver carry (`buildCorpus`, `measureFloor({ corpus })`),
 * and row (f) is what an encrypted leg must do in the relay: the cipher over the compressed
 * frames as they cross, not over the uncompressed packets as in (a).
 */
import * as Crypto from "node:crypto"
import * as Zlib from "node:zlib"
import { DEFLATE_LEVEL } from "../../src/packet/Compression.ts"
import { FrameReader } from "../../src/packet/FrameReader.ts"
import { FrameWriter } from "../../src/packet/FrameWriter.ts"
import { encodeVarInt } from "../../src/protocol/VarInt.ts"
import { semiCompressible } from "../../test/support/GameBytes.ts"

/** Stable names of the rows, for programs that read them (the bench's report). */
export type FloorKey = "aes" | "zlib" | "zlib+aes" | "relay" | "relay-nopeek" | "relay-encrypt" | "aes-wire"

export interface FloorRow {
  readonly key: FloorKey
  readonly name: string
  /** CPU seconds (user + system) per GiB of packets. */
  readonly cpuSecondsPerGiB: number
}

export interface FloorOptions {
  /** Packet bytes in the corpus one pass goes through (default 64 MiB). */
  readonly corpusMiB?: number
  /** Minimum CPU time per row, in seconds (default 1). */
  readonly minCpuSeconds?: number
  /** A corpus already built (then `corpusMiB` is ignored). */
  readonly corpus?: Corpus
  /** The rows to measure (default: all). */
  readonly rows?: ReadonlyArray<FloorKey>
}

const THRESHOLD = 256
const READ_SIZE = 64 * 1024
const SMALL = 200
const LARGE = 30 * 1024
const GIB = 1024 ** 3

export interface Corpus {
  /** Packet bodies (`VarInt id | payload`). */
  readonly packets: ReadonlyArray<Uint8Array>
  readonly packetBytes: number
  /** The packets as a backend sends them (compressed at THRESHOLD), back to back. */
  readonly wire: Uint8Array
  /** The same cut into 64 KiB reads. */
  readonly backendReads: ReadonlyArray<Uint8Array>
  /** The packets back to back, uncompressed, cut into 64 KiB writes (what a cipher sees). */
  readonly plainWrites: ReadonlyArray<Uint8Array>
}

/** `mib` MiB of packets: one 30 KiB packet, then 200-byte ones of the same total, and again. */
export const buildCorpus = (mib: number): Corpus => {
  const packets: Array<Uint8Array> = []
  let packetBytes = 0
  // One large packet, then as many small ones as make the same bytes.
  const cycle = 1 + Math.round(LARGE / SMALL)
  for (let seed = 1; packetBytes < mib * 1024 * 1024; seed++) {
    const size = packets.length % cycle === 0 ? LARGE : SMALL
    const body = new Uint8Array(size)
    body.set(encodeVarInt(0x20 + (seed & 0x3f)))
    body.set(semiCompressible(size - 1, seed), 1)
    packets.push(body)
    packetBytes += size
  }
  const writer = new FrameWriter()
  writer.setCompression(THRESHOLD)
  for (const p of packets) writer.writeBody(p)
  const wire = Buffer.concat(collect(writer))
  return { packets, packetBytes, wire, backendReads: cut(wire), plainWrites: cut(Buffer.concat(packets)) }
}

const cut = (bytes: Uint8Array): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  for (let at = 0; at < bytes.length; at += READ_SIZE) out.push(bytes.subarray(at, at + READ_SIZE))
  return out
}

const collect = (writer: FrameWriter): Array<Uint8Array> => {
  const out: Array<Uint8Array> = []
  writer.flush((b) => out.push(b))
  return out
}

let sink = 0

/** Repeats `pass` until `minCpuSeconds` of CPU, returns CPU seconds per GiB of packets. */
const measure = (corpus: Corpus, minCpuSeconds: number, pass: () => void): number => {
  pass() // warm-up
  let bytes = 0
  const start = process.cpuUsage()
  let cpu = 0
  while (cpu < minCpuSeconds) {
    pass()
    bytes += corpus.packetBytes
    const d = process.cpuUsage(start)
    cpu = (d.user + d.system) / 1e6
  }
  return cpu / (bytes / GIB)
}

const secret = Crypto.randomBytes(16)
const encryptor = () => Crypto.createCipheriv("aes-128-cfb8", secret, secret)

/** Every row's pass over the corpus. */
const passes = (corpus: Corpus): ReadonlyArray<readonly [FloorKey, string, () => void]> => {
  const compressible = corpus.packets.filter((p) => p.length >= THRESHOLD)
  const deflated = compressible.map((p) => Zlib.deflateSync(p, { level: DEFLATE_LEVEL }))
  const cipher = encryptor()
  return [
    ["aes", "(a) AES-128-CFB8 encrypt (node:crypto), 64 KiB at a time", () => {
      for (const w of corpus.plainWrites) sink ^= cipher.update(w).length
    }],
    ["zlib", `(b) zlib inflate + deflate (level ${DEFLATE_LEVEL}) of packets >= ${THRESHOLD}`, () => {
      for (let i = 0; i < compressible.length; i++) {
        sink ^= Zlib.inflateSync(deflated[i]!).length
        sink ^= Zlib.deflateSync(compressible[i]!, { level: DEFLATE_LEVEL }).length
      }
    }],
    ["zlib+aes", "(c) both: (b), then (a) over every packet", () => {
      for (let i = 0; i < compressible.length; i++) {
        sink ^= Zlib.inflateSync(deflated[i]!).length
        sink ^= Zlib.deflateSync(compressible[i]!, { level: DEFLATE_LEVEL }).length
      }
      for (const w of corpus.plainWrites) sink ^= cipher.update(w).length
    }],
    ["relay", "(d) reader + writer, same threshold both legs (pass-through)", relayPass(corpus, THRESHOLD, false, true)],
    ["relay-nopeek", "(d') the same without asking packet ids (no peek)", relayPass(corpus, THRESHOLD, false, false)],
    ["relay-encrypt", "(e) reader + writer, client leg uncompressed + encrypted", relayPass(corpus, -1, true, true)],
    ["aes-wire", `(f) AES-128-CFB8 encrypt of the frames compressed at ${THRESHOLD}`, () => {
      for (const r of corpus.backendReads) sink ^= cipher.update(r).length
    }]
  ]
}

/**
 * One relay leg: backend reads → FrameReader (threshold 256) → packet id of every frame (the
 * session loop's dispatch, when `ids`) → FrameWriter for a client leg with `threshold`, `encrypted`.
 */
const relayPass = (corpus: Corpus, threshold: number, encrypted: boolean, ids: boolean) => () => {
  const reader = new FrameReader()
  reader.setCompression(THRESHOLD)
  const writer = new FrameWriter()
  writer.setCompression(threshold)
  if (encrypted) writer.setEncryption(encryptor())
  const write = (b: Uint8Array) => {
    sink ^= b.length
  }
  for (const read of corpus.backendReads) {
    reader.push(read)
    for (let f = reader.next(); f._tag === "Frame"; f = reader.next()) {
      if (ids) {
        const id = f.packetId()
        sink ^= typeof id === "number" ? id : 0
      }
      writer.forward(f)
    }
    writer.flush(write)
  }
}

/** Measures every row (a few seconds per row). */
export const measureFloor = (options: FloorOptions = {}): ReadonlyArray<FloorRow> => {
  const corpus = options.corpus ?? buildCorpus(options.corpusMiB ?? 64)
  return passes(corpus)
    .filter(([key]) => options.rows === undefined || options.rows.includes(key))
    .map(([key, name, pass]) => ({ key, name, cpuSecondsPerGiB: measure(corpus, options.minCpuSeconds ?? 1, pass) }))
}

export const renderFloor = (rows: ReadonlyArray<FloorRow>): string => {
  const width = Math.max(...rows.map((r) => r.name.length))
  const lines = rows.map((r) =>
    `| ${r.name.padEnd(width)} | ${r.cpuSecondsPerGiB.toFixed(2).padStart(8)} | ${(1024 / r.cpuSecondsPerGiB).toFixed(0).padStart(10)} |`
  )
  return [
    `| ${"packets: 50% 200 B, 50% 30 KiB; backend threshold 256".padEnd(width)} | CPU s/GiB | MiB/CPU-s |`,
    `|${"-".repeat(width + 2)}|---------:|-----------:|`,
    ...lines
  ].join("\n")
}

if (import.meta.main) {
  const mib = Number(process.argv[2] ?? 64)
  console.log(renderFloor(measureFloor({ corpusMiB: mib })))
  console.log(`(sink ${sink})`)
}
