/**
 * VarInt: the protocol's variable-length int32 (7 data bits per byte, least significant group
 * first, high bit = "more bytes follow"). Used for every length prefix and packet id.
 *
 * Invariant: a VarInt is at most {@link VARINT_MAX_BYTES} bytes; a sixth byte is Malformed, a
 * truncated one is NeedMore. Negative values always take 5 bytes (two's complement).
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Data_types#VarInt_and_VarLong
 */
import { type Decode, done, needMore } from "./Decode.ts"
import { malformed } from "./ProtocolError.ts"

/** ceil(32 / 7) = 5 bytes hold any int32 (wiki, Data types: "VarInt ≥ 1 ≤ 5"). */
export const VARINT_MAX_BYTES = 5

/**
 * Encoded size of `value` in bytes (1 to 5). The value is narrowed to int32 first, as Java's
 * `int` would be, so negative numbers report 5.
 */
export const varIntByteLength = (value: number): number => {
  const v = value >>> 0
  if (v < 0x80) return 1
  if (v < 0x4000) return 2
  if (v < 0x200000) return 3
  if (v < 0x10000000) return 4
  return 5
}

/**
 * Writes `value` at `offset` and returns the offset after it. The caller guarantees room for
 * {@link varIntByteLength} bytes (this is the allocation-free path used by the encoders).
 */
export const writeVarInt = (target: Uint8Array, offset: number, value: number): number => {
  let v = value >>> 0
  let at = offset
  while (v >= 0x80) {
    target[at++] = (v & 0x7f) | 0x80
    v >>>= 7
  }
  target[at++] = v
  return at
}

export const encodeVarInt = (value: number): Uint8Array => {
  const out = new Uint8Array(varIntByteLength(value))
  writeVarInt(out, 0, value)
  return out
}

/**
 * Reads a VarInt at `offset`, looking no further than `end` (default: the whole array).
 *
 * Like vanilla (`FriendlyByteBuf.readVarInt`), over-long encodings of small values (`80 00`)
 * and stray high bits in the fifth byte are accepted: Java folds them into the int the same
 * way, and rejecting what vanilla accepts would only make the proxy stricter than its backends.
 */
export const decodeVarInt = (
  bytes: Uint8Array,
  offset: number,
  end: number = bytes.length
): Decode<number> => {
  let result = 0
  for (let i = 0; i < VARINT_MAX_BYTES; i++) {
    const at = offset + i
    if (at >= end) return needMore
    const b = bytes[at]!
    // `<<` works on int32, so the fifth group's bits above bit 31 fall off exactly as in Java.
    result |= (b & 0x7f) << (7 * i)
    if ((b & 0x80) === 0) return done(result, at + 1)
  }
  return malformed("varint", `too long (more than ${VARINT_MAX_BYTES} bytes)`)
}
