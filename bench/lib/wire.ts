/**
 * The few Minecraft wire rules the bench's load driver and fake backend need to speak to the
 * intercepted modes, in plain Node (those processes do not load Effect, which src/protocol and
 * src/packet do through their error classes): VarInts, small packets framed with or without the
 * compression field, and a streaming counter of the packets' uncompressed bytes.
 *
 * Only what a bench peer sends or must count: login and configuration packets are small, so a
 * packet built here is never compressed (data length 0, valid at any threshold); received frames
 * are counted from their headers, their zlib bodies never inflated (a frame's data-length field
 * already says how big its packet is).
 */

/** `n` as a VarInt. */
export const varIntBytes = (n: number): Buffer => {
  const out: Array<number> = []
  let v = n >>> 0
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v >>>= 7
  }
  out.push(v)
  return Buffer.from(out)
}

/** The VarInt at `at`: [value, offset after it], or undefined when `b` ends first. */
export const readVarInt = (b: Uint8Array, at: number, end = b.length): [number, number] | undefined => {
  let value = 0
  for (let i = 0; i < 5; i++) {
    if (at + i >= end) return undefined
    const byte = b[at + i]!
    value |= (byte & 0x7f) << (7 * i)
    if ((byte & 0x80) === 0) return [value, at + i + 1]
  }
  throw new Error("VarInt longer than 5 bytes")
}

/** A String: VarInt byte length, UTF-8. */
export const stringBytes = (s: string): Buffer => {
  const utf8 = Buffer.from(s, "utf8")
  return Buffer.concat([varIntBytes(utf8.length), utf8])
}

/** A byte array: VarInt length, bytes. */
export const byteArray = (b: Uint8Array): Buffer => Buffer.concat([varIntBytes(b.length), b])

/**
 * One small packet as a frame: `len | id | payload` with compression off (`threshold` < 0),
 * `len | 0 | id | payload` with it on (a zero data length: sent uncompressed, which receivers
 * accept at any size).
 */
export const packetFrame = (id: number, payload: Uint8Array, threshold: number): Buffer => {
  const body = Buffer.concat([...(threshold < 0 ? [] : [Buffer.of(0)]), varIntBytes(id), payload])
  return Buffer.concat([varIntBytes(body.length), body])
}

/** A whole frame read from the start of `b[at, end)`. */
export interface WireFrame {
  /** The packet id, and `id | payload` uncompressed (`zlib`: the body is a zlib stream of `dataLength` bytes). */
  readonly id: number
  readonly body: Uint8Array
  readonly dataLength: number
  readonly end: number
}

/**
 * The frame at `b[at]` on a leg with `threshold` (negative: no data-length field), or undefined
 * when it is not complete yet. A compressed frame's id is left at -1 (its body is a zlib stream).
 */
export const readWireFrame = (b: Uint8Array, at: number, threshold: number): WireFrame | undefined => {
  const len = readVarInt(b, at)
  if (len === undefined || len[1] + len[0] > b.length) return undefined
  const end = len[1] + len[0]
  let bodyStart = len[1]
  let dataLength = 0
  if (threshold >= 0) {
    const dl = readVarInt(b, bodyStart, end)!
    dataLength = dl[0]
    bodyStart = dl[1]
  }
  const body = b.subarray(bodyStart, end)
  const id = dataLength === 0 ? readVarInt(body, 0)![0] : -1
  return { id, body, dataLength, end }
}

/**
 * Counts the uncompressed packet bytes (`id | payload`) of a stream of frames on a leg that
 * compresses (every frame has the data-length field), across any chunking: a header is parsed
 * byte by byte, bodies are skipped. This is the unit of the intercepted subjects' throughput
 * and CPU per GiB.
 */
export class PacketCounter {
  /** Uncompressed packet bytes of the complete frames so far. */
  bytes = 0
  frames = 0
  /** Body bytes of the current frame still to skip. */
  private skip = 0
  private length = 0
  private lengthShift = 0
  private data = 0
  private dataShift = 0
  private dataBytes = 0
  /** 0: reading the frame length; 1: reading the data length. */
  private phase = 0

  push(b: Uint8Array, start = 0, end = b.length): void {
    let i = start
    while (i < end) {
      if (this.skip > 0) {
        const k = Math.min(this.skip, end - i)
        this.skip -= k
        i += k
        if (this.skip === 0) this.frames++
        continue
      }
      const byte = b[i++]!
      if (this.phase === 0) {
        this.length |= (byte & 0x7f) << this.lengthShift
        this.lengthShift += 7
        if ((byte & 0x80) === 0) this.phase = 1
        continue
      }
      this.data |= (byte & 0x7f) << this.dataShift
      this.dataShift += 7
      this.dataBytes++
      if ((byte & 0x80) !== 0) continue
      const rest = this.length - this.dataBytes
      this.bytes += this.data === 0 ? rest : this.data
      this.skip = rest
      if (rest === 0) this.frames++
      this.length = this.lengthShift = this.data = this.dataShift = this.dataBytes = this.phase = 0
    }
  }
}

/**
 * Packet ids of protocol 769 (1.21.4, the version the bench speaks: bench/lib/frames.ts) that
 * the bench's own login and configuration steps use. The played packets (bench/packet/Floor.ts,
 * ids 0x20–0x5f) are none of the ids the session loop acts on in play, in either direction.
 */
export const IDS = {
  login: {
    clientbound: { disconnect: 0x00, encryptionRequest: 0x01, success: 0x02, setCompression: 0x03 },
    serverbound: { encryptionResponse: 0x01, acknowledged: 0x03 }
  },
  configuration: {
    clientbound: { disconnect: 0x02, finish: 0x03 },
    serverbound: { finishAcknowledged: 0x03 }
  },
  /** A packet id the bench's own small play packets use (acknowledgements, echoes). */
  play: 0x20
} as const
