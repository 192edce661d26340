/**
 * The pre-Netty string type used by legacy pings and kicks: a u16 length counted in UTF-16 code
 * units, then that many big-endian UTF-16 code units. Any code unit sequence is representable,
 * so there is nothing to validate beyond the length. `ByteWriter.legacyString` is the writer.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Server_List_Ping#1.6
 */
import { type Decode, done, needMore } from "./Decode.ts"
import { tooLarge } from "./ProtocolError.ts"

/** The u16 length prefix bounds every legacy string. */
export const MAX_LEGACY_STRING_CHARS = 0xffff

/** `String.fromCharCode.apply` takes one argument per code unit; stay well under engine limits. */
const DECODE_CHUNK_UNITS = 4096

/** Reads a legacy string; a declared length over `maxChars` is TooLarge before its bytes arrive. */
export const readLegacyString = (
  bytes: Uint8Array,
  offset: number,
  maxChars: number,
  field = "legacy_string"
): Decode<string> => {
  if (offset + 2 > bytes.length) return needMore
  const units = (bytes[offset]! << 8) | bytes[offset + 1]!
  if (units > maxChars) return tooLarge(field, `declared ${units} UTF-16 code units, limit ${maxChars}`)
  const start = offset + 2
  const end = start + units * 2
  if (end > bytes.length) return needMore
  return done(utf16beToString(bytes, start, units), end)
}

const utf16beToString = (bytes: Uint8Array, start: number, units: number): string => {
  let s = ""
  const codes: Array<number> = []
  for (let i = 0; i < units; i++) {
    codes.push((bytes[start + 2 * i]! << 8) | bytes[start + 2 * i + 1]!)
    if (codes.length === DECODE_CHUNK_UNITS) {
      s += String.fromCharCode(...codes)
      codes.length = 0
    }
  }
  return s + String.fromCharCode(...codes)
}
