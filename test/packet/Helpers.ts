/**
 * Shared pieces of the packet-layer tests: an encoder written independently of src/packet
 * (node:zlib and a VarInt, nothing else), packet generators, and a driver that feeds a
 * FrameReader the way a socket's `onread` does (one reused buffer, any chunk boundaries).
 */
import { assert } from "@effect/vitest"
import fc from "fast-check"
import * as Zlib from "node:zlib"
import type { FrameReader } from "../../src/packet/FrameReader.ts"
import type { ReadFrame } from "../../src/packet/ReadFrame.ts"
import { ProtocolError } from "../../src/protocol/ProtocolError.ts"
import { encodeVarInt } from "../../src/protocol/VarInt.ts"
import { semiCompressible } from "../support/GameBytes.ts"

export { semiCompressible }

export const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => new Uint8Array(Buffer.concat(parts))

/** A packet as `VarInt id | payload`. */
export const body = (id: number, payload: Uint8Array): Uint8Array => concat(encodeVarInt(id), payload)

/** Packets: mostly small, some over every tested threshold, a few large semi-compressible ones. */
export const packetArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(fc.integer({ min: 0, max: 0x7f }), fc.uint8Array({ maxLength: 80 })) },
  { weight: 3, arbitrary: fc.tuple(fc.integer({ min: 0, max: 0x7fffffff }), fc.uint8Array({ minLength: 60, maxLength: 400 })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 0, max: 0x3fff }), fc.integer({ min: 1000, max: 40_000 }).map((n) => semiCompressible(n, n))) }
).map(([id, payload]) => body(id, payload))

export const packetsArb = fc.array(packetArb, { minLength: 1, maxLength: 12 })

/** Thresholds the properties run over: off, 0 (everything compressed), 64, 256. */
export const THRESHOLDS = [-1, 0, 64, 256] as const
export const thresholdArb = fc.constantFrom(...THRESHOLDS)

/** The wire frame of `packet` by vanilla's sender rule, written with node:zlib only. */
export const frameOf = (packet: Uint8Array, threshold: number): Uint8Array => {
  if (threshold < 0) return concat(encodeVarInt(packet.length), packet)
  const inner = packet.length < threshold
    ? concat(Uint8Array.of(0), packet)
    : concat(encodeVarInt(packet.length), Zlib.deflateSync(packet))
  return concat(encodeVarInt(inner.length), inner)
}

/** Splits `bytes` at the given cut points (any numbers, reduced modulo the length). */
export const chunked = (bytes: Uint8Array, cuts: ReadonlyArray<number>): Array<Uint8Array> => {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const chunks: Array<Uint8Array> = []
  let prev = 0
  for (const p of [...points, bytes.length]) {
    if (p > prev) chunks.push(bytes.subarray(prev, p))
    prev = p
  }
  return chunks
}

export const cutsArb = fc.array(fc.nat(), { maxLength: 10 })

/** What a test keeps of a frame: copies, so they outlive the reader's buffers. */
export interface SeenFrame {
  readonly id: number
  readonly packet: Uint8Array
  readonly raw: Uint8Array
  readonly dataLength: number
}

export const seen = (f: ReadFrame): SeenFrame => {
  const id = f.packetId()
  const packet = f.packet()
  if (typeof id !== "number") assert.fail(`packetId: ${id.message}`)
  if (!(packet instanceof Uint8Array)) assert.fail(`packet: ${packet.message}`)
  return { id, packet: packet.slice(), raw: f.raw().slice(), dataLength: f.dataLength }
}

/**
 * Feeds `chunks` to `reader` through one reused buffer, as `onread` does (the buffer is
 * overwritten by each chunk), reading to NeedMore after each; `onFrame` may act on the frame
 * (switch settings) and returns what to record; `afterRead` runs once a chunk is read (where a
 * relay flushes its writer, before the buffer is reused). Ends at the first ProtocolError.
 */
export const feed = <A>(
  reader: FrameReader,
  chunks: ReadonlyArray<Uint8Array>,
  onFrame: (f: ReadFrame) => A,
  afterRead: () => void = () => {}
): { readonly frames: Array<A>; readonly error: ProtocolError | undefined } => {
  const socketBuffer = new Uint8Array(Math.max(1, ...chunks.map((c) => c.length)))
  const frames: Array<A> = []
  for (const chunk of chunks) {
    socketBuffer.fill(0xee)
    socketBuffer.set(chunk)
    reader.push(socketBuffer.subarray(0, chunk.length))
    for (;;) {
      const f = reader.next()
      if (f._tag === "NeedMore") break
      if (f instanceof ProtocolError) return { frames, error: f }
      frames.push(onFrame(f))
    }
    afterRead()
  }
  return { frames, error: undefined }
}

export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex")
