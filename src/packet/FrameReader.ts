/**
 * The frame reader of one leg (client or backend) of an intercepted session: bytes in, complete
 * frames out, decrypted, with compression fields read but bodies left compressed until asked.
 *
 * Use from a socket's `onread` callback, whose buffer is only valid during the call:
 *
 *   reader.push(buf.subarray(0, n))
 *   for (let f = reader.next(); f._tag === "Frame"; f = reader.next()) { ...forward or decode f... }
 *   // the loop ends on NeedMore (wait for the next read) or a ProtocolError (close the session)
 *
 * Invariants:
 * - Nothing is copied except the tail of a frame cut by the end of a chunk, which goes to one of
 *   two reader-owned buffers. They alternate so the tail never overwrites a frame served from
 *   the other one in the same round (its bytes may still be queued for writing). Frames and
 *   the views they return stay valid until the next `push`.
 * - Memory is bounded by the frame limit: a length prefix over `maxFrame` (at most 2^21 - 1,
 *   vanilla's 3-byte VarInt) is TooLarge before any of its body is buffered; buffers over
 *   64 KiB are dropped once their frame has been served.
 * - Settings change between frames: call `setCompression` / `setDecryption` right after
 *   handling the frame that switches them (Set Compression, Encryption Response), before the
 *   next `next()`. Decryption then also applies to the bytes already received and not read yet.
 * - Never throws on input: a bad frame is a ProtocolError, returned again by every later call.
 *   (It throws only on misuse: a `push` while the previous, caller-owned chunk is unread.)
 */
import { type NeedMore, needMore } from "../protocol/Decode.ts"
import { MAX_FRAME_LENGTH } from "../protocol/Frame.ts"
import { malformed, type ProtocolError, tooLarge } from "../protocol/ProtocolError.ts"
import type { StreamCipher } from "./Cipher.ts"
import { checkDeclaredSize } from "./Compression.ts"
import { FrameView, type ReadFrame } from "./ReadFrame.ts"

/** `setCompression` value for "no compression" (vanilla: any negative threshold). */
export const COMPRESSION_OFF = -1

export interface FrameReaderOptions {
  /** Largest frame accepted (length prefix value); clamped to 2^21 - 1. */
  readonly maxFrame?: number
}

const EMPTY = new Uint8Array(0)
/** Smallest partial-frame buffer (room for any cut length prefix and a small packet). */
const MIN_SLOT = 1024
/** Partial-frame buffers above this are not kept for reuse once their frame is served. */
const KEEP_LIMIT = 64 * 1024
/** Vanilla reads a frame length with at most 3 VarInt bytes (`Varint21FrameDecoder`). */
const FRAME_PREFIX_BYTES = 3
const NEED = -1
const FAIL = -2

export class FrameReader {
  private readonly maxFrame: number
  private threshold = COMPRESSION_OFF
  private decipher: StreamCipher | undefined = undefined
  private failure: ProtocolError | undefined = undefined
  private readonly frame = new FrameView()
  /** Bytes not parsed yet: `input[pos, input.length)`. */
  private input: Uint8Array = EMPTY
  private pos = 0
  /** `input` is the caller's chunk (valid only until its callback returns). */
  private borrowed = false
  /** A cut frame: `slots[slot][0, partialLength)`, `partialTotal` bytes in all once the prefix is known (else -1). */
  private readonly slots: [Uint8Array, Uint8Array] = [EMPTY, EMPTY]
  private slot = 0
  private partialLength = 0
  private partialTotal = -1
  private partialReady = false
  /** The slot that served a frame since the last push, or -1. */
  private lent = -1
  /** Offset after the last VarInt read by `frameLength` / `varInt`. */
  private after = 0

  constructor(options: FrameReaderOptions = {}) {
    this.maxFrame = Math.min(options.maxFrame ?? MAX_FRAME_LENGTH, MAX_FRAME_LENGTH)
  }

  /** Compression threshold for the frames read from now on; negative = off. */
  setCompression(threshold: number): void {
    this.threshold = threshold < 0 ? COMPRESSION_OFF : threshold
  }

  /** Decrypts everything from here on, including bytes received but not read yet. */
  setDecryption(decipher: StreamCipher): void {
    this.decipher = decipher
    if (this.failure !== undefined) return
    const rest = this.unread()
    this.dropPartial()
    this.input = rest.length === 0 ? EMPTY : decipher.update(rest)
    this.pos = 0
    this.borrowed = false
  }

  /** Bytes held and not handed out yet (a cut frame, unread input). */
  get buffered(): number {
    return this.partialLength + this.input.length - this.pos
  }

  /**
   * Adds a chunk. Read the previous one to NeedMore first (or call {@link detach}): the chunk
   * is not copied, only the tail of a cut frame is, when `next` reaches it.
   */
  push(chunk: Uint8Array): void {
    if (this.failure !== undefined) return
    const unread = this.pos < this.input.length
    if (unread && this.borrowed) throw new Error("FrameReader.push: the previous chunk was not read to NeedMore")
    this.lent = -1
    let data = this.decipher === undefined ? chunk : this.decipher.update(chunk)
    let borrowed = this.decipher === undefined
    if (unread) {
      data = concat(this.input.subarray(this.pos), data)
      borrowed = false
    }
    this.input = data
    this.borrowed = borrowed
    this.pos = this.partialLength > 0 && !this.partialReady ? this.fillPartial(data) : 0
  }

  /**
   * Copies the unread bytes of the current chunk into the reader, so reading can stop now and
   * resume after the chunk's buffer is reused (e.g. while a backend connects). Frames already
   * returned are not copied.
   */
  detach(): void {
    if (!this.borrowed || this.failure !== undefined) return
    this.input = this.input.slice(this.pos)
    this.pos = 0
    this.borrowed = false
  }

  /** The next complete frame, NeedMore, or the reader's ProtocolError. */
  next(): ReadFrame | NeedMore | ProtocolError {
    if (this.failure !== undefined) return this.failure
    if (this.partialReady) return this.servePartial()
    const input = this.input
    const at = this.pos
    if (at >= input.length) {
      this.release()
      return needMore
    }
    const length = this.frameLength(input, at, input.length)
    if (length === FAIL) return this.failure!
    if (length === NEED || this.after + length > input.length) {
      this.savePartial(length === NEED ? -1 : this.after - at + length)
      return needMore
    }
    const end = this.after + length
    this.pos = end
    return this.serve(input, at, this.after, end)
  }

  /** The frame's compression fields and, for an uncompressed body, its id. */
  private serve(bytes: Uint8Array, start: number, prefixEnd: number, end: number): ReadFrame | ProtocolError {
    const threshold = this.threshold
    let bodyStart = prefixEnd
    let dataLength = 0
    if (threshold >= 0) {
      dataLength = varInt(bytes, prefixEnd, end)
      if (varIntEnd < 0) return this.fail(malformed("compressed.data_length", VARINT_ERRORS[-varIntEnd - 1]!))
      if (dataLength !== 0) {
        const bad = checkDeclaredSize(dataLength, threshold)
        if (bad !== undefined) return this.fail(bad)
        this.frame.set(bytes, start, end, varIntEnd, threshold, dataLength, -1)
        return this.frame
      }
      bodyStart = varIntEnd
    }
    const id = varInt(bytes, bodyStart, end)
    if (varIntEnd < 0) return this.fail(malformed("frame.packet_id", VARINT_ERRORS[-varIntEnd - 1]!))
    if (id < 0) return this.fail(malformed("frame.packet_id", `negative packet id ${id}`))
    this.frame.set(bytes, start, end, bodyStart, threshold, dataLength, id)
    return this.frame
  }

  /** The length prefix at `at` (at most 3 bytes, as vanilla): the length, NEED, or FAIL. */
  private frameLength(bytes: Uint8Array, at: number, end: number): number {
    let length = 0
    for (let i = 0; i < FRAME_PREFIX_BYTES; i++) {
      if (at + i >= end) return NEED
      const b = bytes[at + i]!
      length |= (b & 0x7f) << (7 * i)
      // More groups only add to the length, so a partial sum over the limit is final.
      if (length > this.maxFrame) {
        this.fail(tooLarge("frame.length", `length prefix announces more than ${this.maxFrame} bytes`))
        return FAIL
      }
      if ((b & 0x80) === 0) {
        if (length === 0) {
          this.fail(malformed("frame.length", "empty frame (no packet id)"))
          return FAIL
        }
        this.after = at + i + 1
        return length
      }
    }
    this.fail(tooLarge("frame.length", "length prefix wider than 21 bits"))
    return FAIL
  }

  /** Keeps the unread tail (a cut frame of `total` bytes, -1 if its prefix is cut too). */
  private savePartial(total: number): void {
    const rest = this.input.subarray(this.pos)
    if (this.lent === this.slot) this.slot = 1 - this.slot
    const buf = this.slotWithRoom(total < 0 ? FRAME_PREFIX_BYTES : total)
    buf.set(rest)
    this.partialLength = rest.length
    this.partialTotal = total
    this.release()
  }

  /** Completes the cut frame from the start of `data`; returns the bytes of `data` used. */
  private fillPartial(data: Uint8Array): number {
    let used = 0
    while (this.partialTotal < 0) {
      // The length prefix itself was cut: complete it a byte at a time (at most 3 bytes).
      if (used >= data.length) return used
      this.slots[this.slot]![this.partialLength++] = data[used++]!
      const length = this.frameLength(this.slots[this.slot]!, 0, this.partialLength)
      if (length === FAIL) return used
      if (length !== NEED) this.partialTotal = this.after + length
    }
    const buf = this.slotWithRoom(this.partialTotal)
    const take = Math.min(this.partialTotal - this.partialLength, data.length - used)
    buf.set(data.subarray(used, used + take), this.partialLength)
    this.partialLength += take
    if (this.partialLength === this.partialTotal) this.partialReady = true
    return used + take
  }

  private servePartial(): ReadFrame | ProtocolError {
    const buf = this.slots[this.slot]!
    const total = this.partialTotal
    this.partialReady = false
    this.partialLength = 0
    this.partialTotal = -1
    this.lent = this.slot
    // A big buffer stays alive only as long as the frame's views do.
    if (buf.length > KEEP_LIMIT) this.slots[this.slot] = EMPTY
    this.frameLength(buf, 0, total)
    return this.serve(buf, 0, this.after, total)
  }

  /** The current slot, grown (keeping its partial bytes) to hold `size` bytes. */
  private slotWithRoom(size: number): Uint8Array {
    const old = this.slots[this.slot]!
    if (old.length >= size) return old
    let capacity = MIN_SLOT
    while (capacity < size) capacity *= 2
    const buf = new Uint8Array(capacity)
    buf.set(old.subarray(0, this.partialLength))
    this.slots[this.slot] = buf
    return buf
  }

  /** All unread bytes in order (the cut frame, then the input), as one array. */
  private unread(): Uint8Array {
    const partial = this.slots[this.slot]!.subarray(0, this.partialLength)
    const rest = this.input.subarray(this.pos)
    return partial.length === 0 ? rest : concat(partial, rest)
  }

  private dropPartial(): void {
    this.partialLength = 0
    this.partialTotal = -1
    this.partialReady = false
  }

  /** Forgets the consumed input (an idle reader keeps no chunk alive). */
  private release(): void {
    this.input = EMPTY
    this.pos = 0
    this.borrowed = false
    this.frame.clear()
  }

  /** Records the reader's final error and lets go of every buffer. */
  private fail(error: ProtocolError): ProtocolError {
    this.failure = error
    this.dropPartial()
    this.release()
    this.slots[0] = EMPTY
    this.slots[1] = EMPTY
    return error
  }
}

/** Offset after the last {@link varInt}, or -1 (runs past the end) / -2 (over 5 bytes). */
let varIntEnd = 0
const VARINT_ERRORS = ["runs past the end of the frame", "VarInt longer than 5 bytes"]

/** An allocation-free VarInt read (Java folding, as `decodeVarInt`); sets {@link varIntEnd}. */
const varInt = (bytes: Uint8Array, at: number, end: number): number => {
  let result = 0
  for (let i = 0; i < 5; i++) {
    if (at + i >= end) {
      varIntEnd = -1
      return 0
    }
    const b = bytes[at + i]!
    result |= (b & 0x7f) << (7 * i)
    if ((b & 0x80) === 0) {
      varIntEnd = at + i + 1
      return result
    }
  }
  varIntEnd = -2
  return 0
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}
