/**
 * UUIDs as the protocol sends them (16 bytes, most significant first) and as the rest of the
 * proxy handles them: the canonical lower-case dashed string `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Data_types (UUID: two big-endian longs).
 */

export const UUID_BYTES = 16

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"))

/** Formats 16 bytes at `offset` as a canonical UUID; the caller guarantees the 16 bytes exist. */
export const uuidFromBytes = (bytes: Uint8Array, offset: number): string => {
  let s = ""
  for (let i = 0; i < UUID_BYTES; i++) {
    if (i === 4 || i === 6 || i === 8 || i === 10) s += "-"
    s += HEX[bytes[offset + i]!]!
  }
  return s
}

const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const UNDASHED = /^[0-9a-f]{32}$/i

/**
 * Parses a dashed or undashed (Mojang API style) UUID, any case, into 16 bytes;
 * `undefined` if it is neither.
 */
export const uuidToBytes = (uuid: string): Uint8Array | undefined => {
  if (!DASHED.test(uuid) && !UNDASHED.test(uuid)) return undefined
  const hex = uuid.replaceAll("-", "")
  const out = new Uint8Array(UUID_BYTES)
  for (let i = 0; i < UUID_BYTES; i++) out[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16)
  return out
}

/** The canonical form of a dashed or undashed UUID string, or `undefined` if it is not one. */
export const canonicalUuid = (uuid: string): string | undefined => {
  const bytes = uuidToBytes(uuid)
  return bytes === undefined ? undefined : uuidFromBytes(bytes, 0)
}
