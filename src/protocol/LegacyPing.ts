/**
 * Pre-Netty server-list pings, which start with 0xFE instead of a VarInt frame length:
 *
 * - Beta 1.8 – 1.3: `FE`
 * - 1.4 – 1.5:      `FE 01`
 * - 1.6:            `FE 01 FA` + legacy string "MC|PingHost" + u16 data length
 *                   + u8 protocol + legacy string host + i32 port (data length = 7 + 2 × host chars)
 *
 * The ambiguity a caller must handle: `FE` and `FE 01` are complete pings of the older kinds but
 * also prefixes of longer ones, and `FE 01 …` is also how a modern frame of length 254 begins
 * (`FE 01 00 …`). So {@link detectLegacyPing} says what the bytes are so far, and
 * {@link decodeLegacyPing} takes `moreMayArrive`: while true, `FE` and `FE 01` are NeedMore;
 * once the caller has waited briefly (~100 ms) with nothing more, it calls again with false.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Server_List_Ping#1.6 (and #1.4_to_1.5,
 * #Beta_1.8_to_1.3); checks mirror vanilla's `LegacyQueryHandler`.
 */
import { readI32, readU16 } from "./ByteReader.ts"
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import { type Decode, done, needMore, type NeedMore } from "./Decode.ts"
import { readLegacyString } from "./LegacyString.ts"
import { malformed, tooLarge } from "./ProtocolError.ts"

export const LEGACY_PING_PACKET_ID = 0xfe
/** The byte after 0xFE from 1.4 on ("server list ping payload, always 1"). */
export const LEGACY_PING_PAYLOAD = 0x01
/** Pre-Netty Plugin Message, which carries the 1.6 "MC|PingHost" data. */
export const LEGACY_PLUGIN_MESSAGE_PACKET_ID = 0xfa
export const LEGACY_PING_CHANNEL = "MC|PingHost"
/**
 * First byte of a pre-Netty Login Request. In the handshaking state it cannot be a modern frame
 * (a length of 2 is too short for any handshake), so 0x02 there means "pre-1.7 client logging in".
 */
export const LEGACY_LOGIN_PACKET_ID = 0x02

/**
 * Bound on the 1.6 host. The wire allows up to 65535 code units; we keep the modern
 * handshake's vanilla limit (255), so a hostile data length is refused before buffering.
 */
export const MAX_LEGACY_PING_HOST_CHARS = 255
/** Data length = u8 protocol + u16 host length + host + i32 port = 7 + 2 × host chars. */
const PING_DATA_FIXED_BYTES = 7
/** Largest valid port: vanilla rejects a 1.6 ping whose i32 port is over 65535. */
const MAX_PORT = 0xffff

export type LegacyPingRequest =
  | { readonly _tag: "Beta" }
  | { readonly _tag: "V1_4" }
  | { readonly _tag: "V1_6"; readonly protocolVersion: number; readonly host: string; readonly port: number }

export type LegacyPingDetection =
  /** First byte is not 0xFE, or 0xFE starts what can only be a modern frame length. */
  | { readonly _tag: "NotLegacy" }
  /** `FE` or `FE 01` so far: wait briefly; if nothing more comes, it is `ifNothingMore`. */
  | { readonly _tag: "Undecided"; readonly ifNothingMore: "Beta" | "V1_4" }
  /** `FE 01 FA`: a 1.6 ping; decode it (NeedMore until complete). */
  | { readonly _tag: "V1_6" }

/** What the bytes at `offset` are so far; NeedMore when there are none. */
export const detectLegacyPing = (bytes: Uint8Array, offset: number): LegacyPingDetection | NeedMore => {
  const n = bytes.length - offset
  if (n <= 0) return needMore
  if (bytes[offset] !== LEGACY_PING_PACKET_ID) return { _tag: "NotLegacy" }
  if (n === 1) return { _tag: "Undecided", ifNothingMore: "Beta" }
  // FE xx with xx ≠ 01 is a modern VarInt length (vanilla, too, falls back to the modern decoder).
  if (bytes[offset + 1] !== LEGACY_PING_PAYLOAD) return { _tag: "NotLegacy" }
  if (n === 2) return { _tag: "Undecided", ifNothingMore: "V1_4" }
  return bytes[offset + 2] === LEGACY_PLUGIN_MESSAGE_PACKET_ID ? { _tag: "V1_6" } : { _tag: "NotLegacy" }
}

/** True when the first byte announces a pre-Netty login (see {@link LEGACY_LOGIN_PACKET_ID}). */
export const isLegacyLogin = (bytes: Uint8Array, offset: number): boolean =>
  offset < bytes.length && bytes[offset] === LEGACY_LOGIN_PACKET_ID

/**
 * Decodes a legacy ping at `offset`. With `moreMayArrive`, `FE` and `FE 01` are NeedMore;
 * without it they are Beta and V1_4. A started 1.6 ping is NeedMore until complete either way.
 * Bytes that {@link detectLegacyPing} calls NotLegacy are Malformed here.
 */
export const decodeLegacyPing = (
  bytes: Uint8Array,
  offset: number,
  moreMayArrive: boolean
): Decode<LegacyPingRequest> => {
  const n = bytes.length - offset
  if (n <= 0) return needMore
  if (bytes[offset] !== LEGACY_PING_PACKET_ID) return malformed("legacy_ping", "does not start with 0xFE")
  if (n === 1) return moreMayArrive ? needMore : done({ _tag: "Beta" }, offset + 1)
  if (bytes[offset + 1] !== LEGACY_PING_PAYLOAD) return malformed("legacy_ping", "0xFE not followed by 0x01")
  if (n === 2) return moreMayArrive ? needMore : done({ _tag: "V1_4" }, offset + 2)
  if (bytes[offset + 2] !== LEGACY_PLUGIN_MESSAGE_PACKET_ID) {
    return malformed("legacy_ping", "0xFE 0x01 not followed by 0xFA")
  }
  return decodePingHost(bytes, offset + 3)
}

/** The 1.6 plugin message body, after `FE 01 FA`. */
const decodePingHost = (bytes: Uint8Array, offset: number): Decode<LegacyPingRequest> => {
  // Check the channel's declared length before waiting for its 22 bytes.
  const channelUnits = readU16(bytes, offset)
  if (channelUnits._tag !== "Done") return channelUnits
  if (channelUnits.value !== LEGACY_PING_CHANNEL.length) {
    return malformed("legacy_ping.channel", `length ${channelUnits.value}, expected ${LEGACY_PING_CHANNEL.length}`)
  }
  const channel = readLegacyString(bytes, offset, LEGACY_PING_CHANNEL.length, "legacy_ping.channel")
  if (channel._tag !== "Done") return channel
  if (channel.value !== LEGACY_PING_CHANNEL) return malformed("legacy_ping.channel", `not ${LEGACY_PING_CHANNEL}`)
  const data = readU16(bytes, channel.offset)
  if (data._tag !== "Done") return data
  const dataLength = data.value
  const maxData = PING_DATA_FIXED_BYTES + 2 * MAX_LEGACY_PING_HOST_CHARS
  if (dataLength > maxData) return tooLarge("legacy_ping.data_length", `${dataLength} bytes, limit ${maxData}`)
  // u8 protocol, then the host's u16 length: checked before waiting for the host itself.
  const at = data.offset
  const host16 = readU16(bytes, at + 1)
  if (host16._tag !== "Done") return host16
  const protocolVersion = bytes[at]!
  const hostUnits = host16.value
  if (hostUnits > MAX_LEGACY_PING_HOST_CHARS) {
    return tooLarge("legacy_ping.host", `${hostUnits} UTF-16 code units, limit ${MAX_LEGACY_PING_HOST_CHARS}`)
  }
  if (PING_DATA_FIXED_BYTES + 2 * hostUnits !== dataLength) {
    return malformed("legacy_ping.data_length", `${dataLength} does not match a ${hostUnits}-char host`)
  }
  const host = readLegacyString(bytes, at + 1, MAX_LEGACY_PING_HOST_CHARS, "legacy_ping.host")
  if (host._tag !== "Done") return host
  const port = readI32(bytes, host.offset)
  if (port._tag !== "Done") return port
  if (port.value < 0 || port.value > MAX_PORT) return malformed("legacy_ping.port", `${port.value} is not a port`)
  return done({ _tag: "V1_6", protocolVersion, host: host.value, port: port.value }, port.offset)
}

/** Encodes a legacy ping request (tests, and relaying a 1.6 ping with a rewritten host). */
export const encodeLegacyPing = (request: LegacyPingRequest): Encoded => {
  const w = new ByteWriter(32).u8(LEGACY_PING_PACKET_ID)
  if (request._tag === "Beta") return w.finish()
  w.u8(LEGACY_PING_PAYLOAD)
  if (request._tag === "V1_4") return w.finish()
  if (!Number.isInteger(request.port) || request.port < 0 || request.port > MAX_PORT) {
    return w.fail(malformed("legacy_ping.port", `${request.port} is not a port`)).finish()
  }
  return w
    .u8(LEGACY_PLUGIN_MESSAGE_PACKET_ID)
    .legacyString(LEGACY_PING_CHANNEL, LEGACY_PING_CHANNEL.length)
    .u16(PING_DATA_FIXED_BYTES + 2 * request.host.length)
    .u8(request.protocolVersion)
    .legacyString(request.host, MAX_LEGACY_PING_HOST_CHARS, "legacy_ping.host")
    .i32(request.port)
    .finish()
}
