/**
 * A cursor over one complete packet payload (the bytes of a whole frame after the packet id).
 *
 * Inside a complete frame, running out of bytes can never be cured by waiting: it is Malformed,
 * not NeedMore. The cursor records the first error and then returns placeholder values, so a
 * packet decoder reads its fields in order and checks {@link PacketReader.finish} once.
 */
import {
  readBool,
  readByteArray,
  readI32,
  readI64,
  readShortByteArray,
  readString,
  readU16,
  readU8,
  readUuid
} from "./ByteReader.ts"
import { type Decode, done } from "./Decode.ts"
import { skipNamedNbt } from "./Nbt.ts"
import { decodeFrame, type FrameBounds } from "./Frame.ts"
import { isProtocolError, malformed, type ProtocolError, tooLarge } from "./ProtocolError.ts"
import { decodeVarInt } from "./VarInt.ts"

export class PacketReader {
  private readonly bytes: Uint8Array
  private readonly packet: string
  private pos: number
  private failure: ProtocolError | undefined = undefined

  /** `packet` prefixes error fields, e.g. "handshake" gives "handshake.server_port". */
  constructor(payload: Uint8Array, packet: string) {
    this.bytes = payload
    this.packet = packet
    this.pos = 0
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.bytes.length - this.pos
  }

  /** True once an error is recorded (reads then return placeholders and stop advancing). */
  get failed(): boolean {
    return this.failure !== undefined
  }

  u8(field: string): number {
    return this.take(readU8(this.bytes, this.pos), field, 0)
  }

  bool(field: string): boolean {
    return this.take(readBool(this.bytes, this.pos, this.name(field)), field, false)
  }

  u16(field: string): number {
    return this.take(readU16(this.bytes, this.pos), field, 0)
  }

  i32(field: string): number {
    return this.take(readI32(this.bytes, this.pos), field, 0)
  }

  i64(field: string): bigint {
    return this.take(readI64(this.bytes, this.pos), field, 0n)
  }

  varInt(field: string): number {
    const d = decodeVarInt(this.bytes, this.pos)
    return this.take(d._tag === "ProtocolError" ? malformed(this.name(field), d.detail) : d, field, 0)
  }

  uuid(field: string): string {
    return this.take(readUuid(this.bytes, this.pos), field, "")
  }

  byteArray(maxBytes: number, field: string): Uint8Array {
    return this.take(readByteArray(this.bytes, this.pos, maxBytes, this.name(field)), field, EMPTY)
  }

  /** A 1.7-style byte array: signed 16-bit length, then the bytes. */
  shortByteArray(maxBytes: number, field: string): Uint8Array {
    return this.take(readShortByteArray(this.bytes, this.pos, maxBytes, this.name(field)), field, EMPTY)
  }

  /** Exactly `n` bytes (fixed-size fields such as a 256-byte signature), as a view into the payload. */
  fixed(n: number, field: string): Uint8Array {
    if (this.failure !== undefined) return EMPTY
    if (this.remaining < n) {
      this.failure = malformed(this.name(field), "runs past the end of the packet")
      return EMPTY
    }
    const out = this.bytes.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }

  /**
   * Everything left in the packet (fields such as plugin-message data that run to the end of the
   * frame), as a view into the payload; more than `maxBytes` is TooLarge.
   */
  rest(maxBytes: number, field: string): Uint8Array {
    if (this.failure !== undefined) return EMPTY
    if (this.remaining > maxBytes) {
      this.failure = tooLarge(this.name(field), `${this.remaining} bytes, limit ${maxBytes}`)
      return EMPTY
    }
    const out = this.bytes.subarray(this.pos)
    this.pos = this.bytes.length
    return out
  }

  /** A named root NBT tag (1.16–1.20.1 play packets), as a view of its raw bytes. */
  namedNbt(field: string): Uint8Array {
    const start = this.pos
    const end = this.take(skipNamedNbt(this.bytes, this.pos), field, start)
    return this.failure === undefined ? this.bytes.subarray(start, end) : EMPTY
  }

  string(maxChars: number, field: string): string {
    return this.take(readString(this.bytes, this.pos, maxChars, this.name(field)), field, "")
  }

  /** Records `error` unless one is already recorded (for checks on values already read). */
  fail(error: ProtocolError): void {
    if (this.failure === undefined) this.failure = error
  }

  /**
   * The first error, if any; otherwise, unless `allowTrailing`, Malformed when bytes are left
   * over (vanilla rejects a packet "larger than I expected"); otherwise `undefined`.
   */
  finish(allowTrailing = false): ProtocolError | undefined {
    if (this.failure !== undefined) return this.failure
    if (!allowTrailing && this.pos !== this.bytes.length) {
      return malformed(this.packet, `${this.bytes.length - this.pos} unexpected trailing bytes`)
    }
    return undefined
  }

  private name(field: string): string {
    return `${this.packet}.${field}`
  }

  private take<A>(d: Decode<A>, field: string, placeholder: A): A {
    if (this.failure !== undefined) return placeholder
    switch (d._tag) {
      case "Done":
        this.pos = d.offset
        return d.value
      case "NeedMore":
        this.failure = malformed(this.name(field), "runs past the end of the packet")
        return placeholder
      case "ProtocolError":
        this.failure = d
        return placeholder
    }
  }
}

const EMPTY = new Uint8Array(0)

/**
 * Decodes the frame at `offset` (at most `maxFrame` long) and reads its payload with `read`,
 * which checks the packet id first (returning the error for an unexpected one) and then reads
 * the fields. The reader's first error, else trailing bytes unless `allowTrailing`, wins over
 * the value read. `packet` prefixes error fields, as for {@link PacketReader}.
 */
export const decodePacket = <A extends object>(
  bytes: Uint8Array,
  offset: number,
  maxFrame: number,
  packet: string,
  read: (r: PacketReader, packetId: number) => A | ProtocolError,
  allowTrailing = false
): Decode<A & FrameBounds> => {
  const frame = decodeFrame(bytes, offset, maxFrame)
  if (frame._tag !== "Done") return frame
  const { frameEnd, frameStart, packetId, payloadEnd, payloadStart } = frame.value
  const r = new PacketReader(bytes.subarray(payloadStart, payloadEnd), packet)
  const value = read(r, packetId)
  if (isProtocolError(value)) return value
  const error = r.finish(allowTrailing)
  if (error !== undefined) return error
  return done({ ...value, frameStart, frameEnd }, frameEnd)
}
