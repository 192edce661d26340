/**
 * The status state (server-list ping, 1.7+): the same four packets for every protocol number,
 * including numbers this proxy does not know yet, so nothing here takes a version.
 *
 * Serverbound: 0x00 Status Request (empty), 0x01 Ping Request (i64 payload).
 * Clientbound: 0x00 Status Response (String(32767) JSON), 0x01 Pong Response (i64 payload).
 * The ping payload is kept as a signed 64-bit `bigint` and echoed unchanged.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Server_List_Ping
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import type { FrameBounds } from "./Frame.ts"
import { malformed, type ProtocolError } from "./ProtocolError.ts"
import { decodePacket } from "./PacketReader.ts"
import { MAX_STRING_CHARS, MAX_UTF8_BYTES_PER_CHAR } from "./Utf8.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const STATUS_REQUEST_PACKET_ID = 0x00
export const PING_REQUEST_PACKET_ID = 0x01
export const STATUS_RESPONSE_PACKET_ID = 0x00
export const PONG_RESPONSE_PACKET_ID = 0x01

/**
 * Vanilla reads the response with `readJsonWithCodec` → `readUtf()`, whose default limit is
 * `MAX_STRING_LENGTH` = 32767 UTF-16 code units; a longer response is refused by the client.
 */
export const MAX_STATUS_JSON_CHARS = MAX_STRING_CHARS

// Frame bounds count VarInts at their 5-byte maximum: vanilla accepts zero-padded VarInts.

/** Longest serverbound status frame: packet id + i64 ping payload. */
export const MAX_STATUS_SERVERBOUND_FRAME_LENGTH = VARINT_MAX_BYTES + 8

/** Longest clientbound status frame for a JSON limit (98311 bytes for 32767 chars). */
export const maxStatusClientboundFrameLength = (maxJsonChars: number): number =>
  2 * VARINT_MAX_BYTES + maxJsonChars * MAX_UTF8_BYTES_PER_CHAR

export type StatusServerbound =
  | { readonly _tag: "StatusRequest" }
  | { readonly _tag: "PingRequest"; readonly payload: bigint }

export type StatusClientbound =
  | { readonly _tag: "StatusResponse"; readonly json: string }
  | { readonly _tag: "PongResponse"; readonly payload: bigint }

/** Decodes what a client sends in the status state (it may skip the request and ping directly). */
export const decodeStatusServerbound = (
  bytes: Uint8Array,
  offset: number
): Decode<StatusServerbound & FrameBounds> =>
  decodePacket(bytes, offset, MAX_STATUS_SERVERBOUND_FRAME_LENGTH, "status", (r, packetId): StatusServerbound | ProtocolError =>
    packetId === STATUS_REQUEST_PACKET_ID
      ? { _tag: "StatusRequest" }
      : packetId === PING_REQUEST_PACKET_ID
      ? { _tag: "PingRequest", payload: r.i64("ping_payload") }
      : malformed("status.packet_id", `unknown serverbound status packet 0x${packetId.toString(16)}`))

/** Decodes what a server sends in the status state (used when relaying a backend's answer). */
export const decodeStatusClientbound = (
  bytes: Uint8Array,
  offset: number,
  maxJsonChars: number = MAX_STATUS_JSON_CHARS
): Decode<StatusClientbound & FrameBounds> =>
  decodePacket(
    bytes,
    offset,
    maxStatusClientboundFrameLength(maxJsonChars),
    "status",
    (r, packetId): StatusClientbound | ProtocolError =>
      packetId === STATUS_RESPONSE_PACKET_ID
        ? { _tag: "StatusResponse", json: r.string(maxJsonChars, "json") }
        : packetId === PONG_RESPONSE_PACKET_ID
        ? { _tag: "PongResponse", payload: r.i64("pong_payload") }
        : malformed("status.packet_id", `unknown clientbound status packet 0x${packetId.toString(16)}`)
  )

const STATUS_REQUEST_FRAME = Uint8Array.of(1, STATUS_REQUEST_PACKET_ID)

/** The two bytes `01 00` (a fresh copy, so callers may keep or mutate it). */
export const encodeStatusRequest = (): Uint8Array => STATUS_REQUEST_FRAME.slice()

/** `09 | id | i64`: an id below 0x80 plus 8 bytes is always a 10-byte frame. */
const encodeI64Frame = (packetId: number, payload: bigint): Uint8Array => {
  const out = new Uint8Array(10)
  out[0] = 9
  out[1] = packetId
  new DataView(out.buffer).setBigInt64(2, BigInt.asIntN(64, payload))
  return out
}

/** Ping Request; `payload` is narrowed to int64. */
export const encodePingRequest = (payload: bigint): Uint8Array => encodeI64Frame(PING_REQUEST_PACKET_ID, payload)

/** Pong Response; echo the ping's payload. */
export const encodePongResponse = (payload: bigint): Uint8Array => encodeI64Frame(PONG_RESPONSE_PACKET_ID, payload)

/** Status Response carrying `json` (not validated as JSON); over 32767 code units is TooLarge. */
export const encodeStatusResponse = (json: string): Encoded =>
  new ByteWriter(8 + json.length)
    .varInt(STATUS_RESPONSE_PACKET_ID)
    .string(json, MAX_STATUS_JSON_CHARS, "status.json")
    .finishFrame()
