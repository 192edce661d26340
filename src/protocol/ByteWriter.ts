/**
 * A growable, chainable writer for the protocol's types, the encoding side of `ByteReader.ts`.
 *
 * Writers never throw: a value that breaks a limit (a string over its `String(n)` bound, a
 * malformed UUID) records a ProtocolError, later writes are ignored, and {@link ByteWriter.finish}
 * returns that error instead of bytes. Callers therefore handle one result type,
 * {@link Encoded}, whatever went wrong.
 */
import { MAX_FRAME_LENGTH } from "./Frame.ts"
import { isProtocolError, malformed, type ProtocolError, tooLarge } from "./ProtocolError.ts"
import { utf8ByteLength, writeUtf8 } from "./Utf8.ts"
import { uuidToBytes } from "./Uuid.ts"
import { varIntByteLength, writeVarInt } from "./VarInt.ts"
import { varLongByteLength, writeVarLong } from "./VarLong.ts"

/** The result of every encoder whose input can break a protocol limit. */
export type Encoded = Uint8Array | ProtocolError

/** Narrows an {@link Encoded} to its bytes. */
export const isEncodedBytes = (e: Encoded): e is Uint8Array => !isProtocolError(e)

/** Bytes a `String` field takes on the wire: VarInt byte length + UTF-8. */
export const stringByteLength = (s: string): number => {
  const n = utf8ByteLength(s)
  return varIntByteLength(n) + n
}

const DEFAULT_CAPACITY = 64

export class ByteWriter {
  private buf: Uint8Array
  private pos = 0
  private failure: ProtocolError | undefined = undefined

  constructor(initialCapacity: number = DEFAULT_CAPACITY) {
    this.buf = new Uint8Array(Math.max(1, initialCapacity))
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos
  }

  u8(value: number): this {
    if (this.reserve(1)) this.buf[this.pos++] = value & 0xff
    return this
  }

  bool(value: boolean): this {
    return this.u8(value ? 1 : 0)
  }

  u16(value: number): this {
    if (this.reserve(2)) {
      this.buf[this.pos++] = (value >>> 8) & 0xff
      this.buf[this.pos++] = value & 0xff
    }
    return this
  }

  i32(value: number): this {
    if (this.reserve(4)) {
      this.buf[this.pos++] = (value >>> 24) & 0xff
      this.buf[this.pos++] = (value >>> 16) & 0xff
      this.buf[this.pos++] = (value >>> 8) & 0xff
      this.buf[this.pos++] = value & 0xff
    }
    return this
  }

  /** A signed 64-bit integer; `value` is narrowed to int64 as Java's `long` would be. */
  i64(value: bigint): this {
    const v = BigInt.asUintN(64, value)
    return this.i32(Number(v >> 32n)).i32(Number(v & 0xffffffffn))
  }

  varInt(value: number): this {
    if (this.reserve(varIntByteLength(value))) this.pos = writeVarInt(this.buf, this.pos, value)
    return this
  }

  varLong(value: bigint): this {
    if (this.reserve(varLongByteLength(value))) this.pos = writeVarLong(this.buf, this.pos, value)
    return this
  }

  /** Raw bytes, no length prefix. */
  bytes(value: Uint8Array): this {
    if (this.reserve(value.length)) {
      this.buf.set(value, this.pos)
      this.pos += value.length
    }
    return this
  }

  /** A dashed or undashed UUID string as 16 bytes; anything else is recorded as Malformed. */
  uuid(value: string, field = "uuid"): this {
    const raw = uuidToBytes(value)
    if (raw === undefined) return this.fail(malformed(field, `not a UUID: ${JSON.stringify(value)}`))
    return this.bytes(raw)
  }

  /** VarInt length + bytes; over `maxBytes` is recorded as TooLarge. */
  byteArray(value: Uint8Array, maxBytes: number, field = "byte_array"): this {
    if (value.length > maxBytes) return this.fail(tooLarge(field, `${value.length} bytes, limit ${maxBytes}`))
    return this.varInt(value.length).bytes(value)
  }

  /** 1.7's byte arrays: signed 16-bit length + bytes; over `maxBytes` (at most 32767) is recorded as TooLarge. */
  shortByteArray(value: Uint8Array, maxBytes: number, field = "byte_array"): this {
    const limit = Math.min(maxBytes, 0x7fff)
    if (value.length > limit) return this.fail(tooLarge(field, `${value.length} bytes, limit ${limit}`))
    return this.u16(value.length).bytes(value)
  }

  /**
   * A `String(maxChars)`: VarInt byte length + UTF-8. Over `maxChars` UTF-16 code units is
   * recorded as TooLarge. Lone surrogates are written as U+FFFD (see `Utf8.ts`).
   */
  string(value: string, maxChars: number, field = "string"): this {
    if (value.length > maxChars) {
      return this.fail(tooLarge(field, `${value.length} UTF-16 code units, limit ${maxChars}`))
    }
    // At most 3 UTF-8 bytes per code unit, so the reader's `maxChars × 3` check holds too.
    const n = utf8ByteLength(value)
    if (this.reserve(varIntByteLength(n) + n)) {
      this.pos = writeVarInt(this.buf, this.pos, n)
      this.pos = writeUtf8(this.buf, this.pos, value)
    }
    return this
  }

  /**
   * A pre-Netty string (legacy ping and kick): u16 length in UTF-16 code units, then the code
   * units big-endian, written as they are (lone surrogates included: UTF-16 can carry them).
   */
  legacyString(value: string, maxChars: number, field = "legacy_string"): this {
    if (value.length > maxChars) {
      return this.fail(tooLarge(field, `${value.length} UTF-16 code units, limit ${maxChars}`))
    }
    if (this.reserve(2 + 2 * value.length)) {
      this.u16(value.length)
      for (let i = 0; i < value.length; i++) this.u16(value.charCodeAt(i))
    }
    return this
  }

  /** Records `error` unless an earlier one is already recorded; later writes are ignored. */
  fail(error: ProtocolError): this {
    if (this.failure === undefined) this.failure = error
    return this
  }

  /**
   * The bytes written (a view of exactly {@link length} bytes into the writer's buffer), or the
   * first recorded error. Finish once; the writer is not meant to be reused.
   */
  finish(): Encoded {
    return this.failure ?? this.buf.subarray(0, this.pos)
  }

  /**
   * Treats everything written as `packet id + payload` and returns it framed (VarInt length
   * first), or the first recorded error; a frame over `maxFrame` is TooLarge.
   */
  finishFrame(maxFrame: number = MAX_FRAME_LENGTH): Encoded {
    if (this.failure !== undefined) return this.failure
    const limit = Math.min(maxFrame, MAX_FRAME_LENGTH)
    if (this.pos > limit) return tooLarge("frame.length", `${this.pos} bytes, limit ${limit}`)
    const out = new Uint8Array(varIntByteLength(this.pos) + this.pos)
    out.set(this.buf.subarray(0, this.pos), writeVarInt(out, 0, this.pos))
    return out
  }

  private reserve(n: number): boolean {
    if (this.failure !== undefined) return false
    const need = this.pos + n
    if (need > this.buf.length) {
      const grown = new Uint8Array(Math.max(need, this.buf.length * 2))
      grown.set(this.buf.subarray(0, this.pos))
      this.buf = grown
    }
    return true
  }
}
