/**
 * VarLong: the 64-bit sibling of {@link decodeVarInt}, carried as a `bigint` because a JS number
 * cannot hold every int64. Same wire rules: at most {@link VARLONG_MAX_BYTES} bytes, negative
 * values use all 10, a truncated VarLong is NeedMore and an eleventh byte is Malformed.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Data_types#VarInt_and_VarLong
 */
import { type Decode, done, needMore } from "./Decode.ts"
import { malformed } from "./ProtocolError.ts"

/** ceil(64 / 7) = 10 bytes hold any int64 (wiki, Data types: "VarLong ≥ 1 ≤ 10"). */
export const VARLONG_MAX_BYTES = 10

/** Encoded size of `value` (narrowed to int64 first, as Java's `long` would be). */
export const varLongByteLength = (value: bigint): number => {
  let v = BigInt.asUintN(64, value)
  let n = 1
  while (v >= 0x80n) {
    v >>= 7n
    n++
  }
  return n
}

/** Writes `value` at `offset` and returns the offset after it; the caller guarantees room. */
export const writeVarLong = (target: Uint8Array, offset: number, value: bigint): number => {
  let v = BigInt.asUintN(64, value)
  let at = offset
  while (v >= 0x80n) {
    target[at++] = Number(v & 0x7fn) | 0x80
    v >>= 7n
  }
  target[at++] = Number(v)
  return at
}

export const encodeVarLong = (value: bigint): Uint8Array => {
  const out = new Uint8Array(varLongByteLength(value))
  writeVarLong(out, 0, value)
  return out
}

/** Reads a VarLong at `offset`; lenient about over-long forms for the same reason as VarInt. */
export const decodeVarLong = (bytes: Uint8Array, offset: number): Decode<bigint> => {
  let result = 0n
  for (let i = 0; i < VARLONG_MAX_BYTES; i++) {
    const at = offset + i
    if (at >= bytes.length) return needMore
    const b = bytes[at]!
    result |= BigInt(b & 0x7f) << BigInt(7 * i)
    // asIntN drops the tenth group's bits above bit 63, as Java's long shift does.
    if ((b & 0x80) === 0) return done(BigInt.asIntN(64, result), at + 1)
  }
  return malformed("varlong", `too long (more than ${VARLONG_MAX_BYTES} bytes)`)
}
