/**
 * One frame as the {@link FrameReader} hands it out: where its decrypted wire bytes are, how
 * it was framed, and its packet id and body on demand.
 *
 * Wire format: `VarInt length | body` with compression off; with compression on (the leg has
 * received Set Compression), `VarInt length | VarInt dataLength | body`, where dataLength 0
 * means the body is the plain `VarInt id | payload` and any other value is the uncompressed
 * size of the zlib stream that follows.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Packet_format
 *
 * Lifetime: the reader reuses one instance, and its bytes live in the caller's chunk or the
 * reader's own buffers. A frame (and every view it returns) is valid until the reader's next
 * `push`; the next `next()` call replaces its fields. Copy what must outlive that.
 */
import { decodeVarInt } from "../protocol/VarInt.ts"
import { malformed, type ProtocolError } from "../protocol/ProtocolError.ts"
import { peekCompressedId } from "./CompressedId.ts"
import { inflateBody } from "./Compression.ts"

export interface ReadFrame {
  readonly _tag: "Frame"
  /** The buffer holding the frame; its wire bytes (length prefix included) are `bytes[start, end)`. */
  readonly bytes: Uint8Array
  readonly start: number
  readonly end: number
  /** Offset in `bytes` of the body: `id | payload` when `dataLength` is 0, else the zlib stream. */
  readonly bodyStart: number
  /**
   * The reading leg's compression threshold when the frame was read; negative = compression
   * off, in which case the frame has no dataLength field.
   */
  readonly threshold: number
  /** The declared uncompressed size; 0 = the body is not compressed. */
  readonly dataLength: number
  /** The wire bytes as one view (allocates the view object). */
  raw(): Uint8Array
  /** The packet id: read directly, or for a compressed body by inflating only its first bytes. */
  packetId(): number | ProtocolError
  /** `VarInt id | payload`, uncompressed: a view, or the result of a bounded inflate (computed once). */
  packet(): Uint8Array | ProtocolError
  /** The payload after the packet id, uncompressed (same rules as {@link packet}). */
  payload(): Uint8Array | ProtocolError
}

const EMPTY = new Uint8Array(0)

/** The reader's reusable frame; `set` fills it, the methods compute lazily and cache. */
export class FrameView implements ReadFrame {
  readonly _tag = "Frame"
  bytes: Uint8Array = EMPTY
  start = 0
  end = 0
  bodyStart = 0
  threshold = -1
  dataLength = 0
  /** Known id, or -1 until peeked (compressed bodies). */
  private id = -1
  private inflated: Uint8Array | ProtocolError | undefined = undefined

  /** Fills the view; `id` is the id already read from an uncompressed body, else -1. */
  set(bytes: Uint8Array, start: number, end: number, bodyStart: number, threshold: number, dataLength: number, id: number): void {
    this.bytes = bytes
    this.start = start
    this.end = end
    this.bodyStart = bodyStart
    this.threshold = threshold
    this.dataLength = dataLength
    this.id = id
    this.inflated = undefined
  }

  /** Forgets the bytes (so an idle reader does not keep the last chunk alive). */
  clear(): void {
    this.bytes = EMPTY
    this.inflated = undefined
  }

  raw(): Uint8Array {
    return this.bytes.subarray(this.start, this.end)
  }

  packetId(): number | ProtocolError {
    if (this.id >= 0) return this.id
    const body = this.inflated
    if (body instanceof Uint8Array) return readId(body, 0, body.length)
    const id = peekCompressedId(this.bytes.subarray(this.bodyStart, this.end))
    if (typeof id === "number") this.id = id
    return id
  }

  packet(): Uint8Array | ProtocolError {
    if (this.dataLength === 0) return this.bytes.subarray(this.bodyStart, this.end)
    this.inflated ??= inflateBody(this.bytes.subarray(this.bodyStart, this.end), this.dataLength, this.threshold)
    return this.inflated
  }

  payload(): Uint8Array | ProtocolError {
    const packet = this.packet()
    if (!(packet instanceof Uint8Array)) return packet
    const id = decodeVarInt(packet, 0)
    // The id was validated when the frame was read (uncompressed) or is checked here (inflated).
    if (id._tag !== "Done") return malformed("frame.packet_id", "missing or malformed packet id")
    return packet.subarray(id.offset)
  }
}

/** The packet id at `bytes[from]`, ending before `end`; a missing, over-long or negative id is Malformed. */
const readId = (bytes: Uint8Array, from: number, end: number): number | ProtocolError => {
  const id = decodeVarInt(bytes, from, end)
  if (id._tag === "NeedMore") return malformed("frame.packet_id", "runs past the end of the frame")
  if (id._tag === "ProtocolError") return malformed("frame.packet_id", id.detail)
  if (id.value < 0) return malformed("frame.packet_id", `negative packet id ${id.value}`)
  return id.value
}
