/**
 * Stream decoders for the protocol's fixed-width and length-prefixed types, each
 * `(bytes, offset, ...) => Decode<A>`: Done, NeedMore on a short input, or a ProtocolError.
 *
 * Invariant: a declared length over its limit is rejected (TooLarge) as soon as the length
 * prefix is read, before waiting for the bytes it announces, so a hostile prefix can never
 * make a caller buffer more than the limit. Multi-byte numbers are big-endian.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Data_types
 */
import { type Decode, done, needMore } from "./Decode.ts"
import { malformed, tooLarge } from "./ProtocolError.ts"
import { decodeUtf8, MAX_UTF8_BYTES_PER_CHAR } from "./Utf8.ts"
import { UUID_BYTES, uuidFromBytes } from "./Uuid.ts"
import { decodeVarInt } from "./VarInt.ts"

export const readU8 = (bytes: Uint8Array, offset: number): Decode<number> =>
  offset + 1 > bytes.length ? needMore : done(bytes[offset]!, offset + 1)

/** Strict: only 0x00 and 0x01 (the wiki's encoding); anything else is Malformed. */
export const readBool = (bytes: Uint8Array, offset: number, field = "bool"): Decode<boolean> => {
  if (offset + 1 > bytes.length) return needMore
  const b = bytes[offset]!
  if (b > 1) return malformed(field, `boolean byte must be 0 or 1, got ${b}`)
  return done(b === 1, offset + 1)
}

export const readU16 = (bytes: Uint8Array, offset: number): Decode<number> =>
  offset + 2 > bytes.length ? needMore : done((bytes[offset]! << 8) | bytes[offset + 1]!, offset + 2)

export const readI32 = (bytes: Uint8Array, offset: number): Decode<number> =>
  offset + 4 > bytes.length ? needMore : done(i32At(bytes, offset), offset + 4)

export const readI64 = (bytes: Uint8Array, offset: number): Decode<bigint> => {
  if (offset + 8 > bytes.length) return needMore
  const hi = i32At(bytes, offset)
  const lo = i32At(bytes, offset + 4) >>> 0
  return done((BigInt(hi) << 32n) | BigInt(lo), offset + 8)
}

/** 16 bytes → canonical lower-case dashed UUID string. */
export const readUuid = (bytes: Uint8Array, offset: number): Decode<string> =>
  offset + UUID_BYTES > bytes.length ? needMore : done(uuidFromBytes(bytes, offset), offset + UUID_BYTES)

/**
 * A VarInt length then that many bytes, at most `maxBytes`. The result is a view into `bytes`
 * (no copy): copy it if it must outlive the input buffer.
 */
export const readByteArray = (
  bytes: Uint8Array,
  offset: number,
  maxBytes: number,
  field = "byte_array"
): Decode<Uint8Array> => {
  const len = readLength(bytes, offset, maxBytes, field)
  if (len._tag !== "Done") return len
  const end = len.offset + len.value
  if (end > bytes.length) return needMore
  return done(bytes.subarray(len.offset, end), end)
}

/**
 * 1.7's byte arrays (Encryption Request/Response before 1.8): a big-endian signed 16-bit length
 * (Java's `readShort`), then that many bytes; a negative length is Malformed, over `maxBytes`
 * TooLarge. Like {@link readByteArray}, the result is a view into `bytes`.
 */
export const readShortByteArray = (
  bytes: Uint8Array,
  offset: number,
  maxBytes: number,
  field = "byte_array"
): Decode<Uint8Array> => {
  const len = readU16(bytes, offset)
  if (len._tag !== "Done") return len
  if (len.value > 0x7fff) return malformed(field, `negative length ${len.value - 0x10000}`)
  if (len.value > maxBytes) return tooLarge(field, `declared length ${len.value} bytes, limit ${maxBytes}`)
  const end = len.offset + len.value
  if (end > bytes.length) return needMore
  return done(bytes.subarray(len.offset, end), end)
}

/**
 * A protocol `String(maxChars)`: VarInt byte length, then UTF-8. Both vanilla limits apply:
 * the byte length may be at most `maxChars × 3` (checked on the prefix alone), and the decoded
 * string at most `maxChars` UTF-16 code units (Minecraft counts code units, not code points).
 */
export const readString = (
  bytes: Uint8Array,
  offset: number,
  maxChars: number,
  field = "string"
): Decode<string> => {
  const len = readLength(bytes, offset, maxChars * MAX_UTF8_BYTES_PER_CHAR, field)
  if (len._tag !== "Done") return len
  const end = len.offset + len.value
  if (end > bytes.length) return needMore
  const s = decodeUtf8(bytes, len.offset, end)
  if (s === undefined) return malformed(field, "invalid UTF-8")
  if (s.length > maxChars) return tooLarge(field, `${s.length} UTF-16 code units, limit ${maxChars}`)
  return done(s, end)
}

/** A VarInt length prefix in `[0, max]`; over `max` is TooLarge, negative is Malformed. */
const readLength = (bytes: Uint8Array, offset: number, max: number, field: string): Decode<number> => {
  const len = decodeVarInt(bytes, offset)
  if (len._tag === "ProtocolError") return malformed(field, `length prefix: ${len.detail}`)
  if (len._tag === "NeedMore") return len
  if (len.value < 0) return malformed(field, `negative length ${len.value}`)
  if (len.value > max) return tooLarge(field, `declared length ${len.value} bytes, limit ${max}`)
  return len
}

const i32At = (bytes: Uint8Array, at: number): number =>
  (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!
