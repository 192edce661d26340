/**
 * Login-state Disconnect (clientbound 0x00): a String holding a JSON text component. This is
 * how the proxy refuses a player before the backend is involved (unknown host, ban, limit).
 *
 * In the login state the reason stays JSON text in every version, even after 1.20.3 moved the
 * play-state components to NBT (minecraft-data: `packet_disconnect` is `string` for 1.7 to 26.1).
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Disconnect_(login)
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import type { FrameBounds } from "./Frame.ts"
import { malformed } from "./ProtocolError.ts"
import { decodePacket } from "./PacketReader.ts"
import { MAX_STRING_CHARS, MAX_UTF8_BYTES_PER_CHAR } from "./Utf8.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const LOGIN_DISCONNECT_PACKET_ID = 0x00

/**
 * What we send: before 1.20.3 the client reads the reason with `readString(32767)`, so a longer
 * reason would be refused by older clients.
 */
export const MAX_DISCONNECT_ENCODE_CHARS = MAX_STRING_CHARS

/** What we accept: 1.20.3+ clients read `readUtf(262144)` (`ClientboundLoginDisconnectPacket`). */
export const MAX_DISCONNECT_DECODE_CHARS = 262144

const MAX_DISCONNECT_DECODE_BYTES = MAX_DISCONNECT_DECODE_CHARS * MAX_UTF8_BYTES_PER_CHAR

/** Longest Disconnect frame we decode: id + length prefix (5-byte maxima) + 786432 bytes. */
export const MAX_DISCONNECT_FRAME_LENGTH = 2 * VARINT_MAX_BYTES + MAX_DISCONNECT_DECODE_BYTES

export type JsonValue = string | number | boolean | null | ReadonlyArray<JsonValue> | JsonObject
export interface JsonObject {
  readonly [key: string]: JsonValue
}

/** A JSON text component, e.g. `{ text: "Banned", color: "red" }`. */
export type TextComponent = JsonObject

/**
 * The JSON for a reason: a string becomes `{"text":"..."}`. `JSON.stringify` escapes quotes,
 * backslashes and control characters, leaves `§` formatting codes as they are, and writes lone
 * surrogates as `\udXXX` escapes, so the result is always valid JSON in valid UTF-8.
 */
export const textComponentJson = (reason: string | TextComponent): string | undefined => {
  // A component typed as JSON can still be cyclic or hold a throwing `toJSON` at run time.
  try {
    return JSON.stringify(typeof reason === "string" ? { text: reason } : reason)
  } catch {
    return undefined
  }
}

/** Encodes a login Disconnect frame; over 32767 UTF-16 code units of JSON is TooLarge. */
export const encodeLoginDisconnect = (reason: string | TextComponent): Encoded => {
  const json = textComponentJson(reason)
  const w = new ByteWriter(8 + (json?.length ?? 0)).varInt(LOGIN_DISCONNECT_PACKET_ID)
  if (json === undefined) return w.fail(malformed("login_disconnect.reason", "not serialisable as JSON")).finish()
  return w.string(json, MAX_DISCONNECT_ENCODE_CHARS, "login_disconnect.reason").finishFrame()
}

/** Decodes a login Disconnect frame to its raw JSON (not parsed: callers decide how much to trust it). */
export const decodeLoginDisconnect = (
  bytes: Uint8Array,
  offset: number
): Decode<{ readonly json: string } & FrameBounds> =>
  decodePacket(bytes, offset, MAX_DISCONNECT_FRAME_LENGTH, "login_disconnect", (r, packetId) =>
    packetId !== LOGIN_DISCONNECT_PACKET_ID
      ? malformed("login_disconnect.packet_id", `expected 0x00, got 0x${packetId.toString(16)}`)
      : { json: r.string(MAX_DISCONNECT_DECODE_CHARS, "reason") })
