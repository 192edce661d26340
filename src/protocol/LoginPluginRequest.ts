/**
 * Login Plugin Request (clientbound 0x04 in the login state, 1.13+): a server asks the client
 * something on a named channel before login completes. Velocity modern forwarding rides on it
 * (`velocity:player_info`), which is why the proxy decodes it from backends and a vanilla client
 * answers "not understood". Layout: `VarInt message id, Identifier channel, data to the end of
 * the frame`. Before 1.13 the packet does not exist (Unsupported).
 * Checked against minecraft-data 3.117.0 `packet_login_plugin_request` for every release
 * minecraft-protocol supports (test/protocol/LoginCrossCheck.test.ts) and vanilla's
 * `ClientboundCustomQueryPacket`.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Login_Plugin_Request
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import type { FrameBounds } from "./Frame.ts"
import { malformed, tooLarge, unsupported } from "./ProtocolError.ts"
import { decodePacket } from "./PacketReader.ts"
import { PROTOCOL_1_13 } from "./ProtocolVersion.ts"
import { MAX_STRING_CHARS, MAX_UTF8_BYTES_PER_CHAR } from "./Utf8.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const LOGIN_PLUGIN_REQUEST_PACKET_ID = 0x04

/** Identifiers are read as `readUtf(32767)` (`FriendlyByteBuf.readResourceLocation`). */
export const MAX_CHANNEL_CHARS = MAX_STRING_CHARS

/** Vanilla `ClientboundCustomQueryPacket.MAX_PAYLOAD_SIZE` (and the answer's, 1 MiB). */
export const MAX_LOGIN_PLUGIN_DATA_BYTES = 1_048_576

/** Packet id + message id + channel + data, VarInts at their 5-byte maximum. */
export const MAX_LOGIN_PLUGIN_REQUEST_FRAME_LENGTH = 2 * VARINT_MAX_BYTES +
  (VARINT_MAX_BYTES + MAX_CHANNEL_CHARS * MAX_UTF8_BYTES_PER_CHAR) + MAX_LOGIN_PLUGIN_DATA_BYTES

export interface LoginPluginRequest {
  /** Chosen by the server; the answer repeats it. */
  readonly messageId: number
  /** e.g. `velocity:player_info`. */
  readonly channel: string
  readonly data: Uint8Array
}

const before113 = (protocolVersion: number) =>
  unsupported("login_plugin_request", `no login plugin messages before 1.13 (protocol ${protocolVersion})`)

/** Decodes a Login Plugin Request frame; `data` is a view into `bytes` (copy it to keep it). */
export const decodeLoginPluginRequest = (
  bytes: Uint8Array,
  offset: number,
  protocolVersion: number
): Decode<LoginPluginRequest & FrameBounds> =>
  protocolVersion < PROTOCOL_1_13
    ? before113(protocolVersion)
    : decodePacket(bytes, offset, MAX_LOGIN_PLUGIN_REQUEST_FRAME_LENGTH, "login_plugin_request", (r, packetId) =>
      packetId !== LOGIN_PLUGIN_REQUEST_PACKET_ID
        ? malformed("login_plugin_request.packet_id", `expected 0x04, got 0x${packetId.toString(16)}`)
        : {
          messageId: r.varInt("message_id"),
          channel: r.string(MAX_CHANNEL_CHARS, "channel"),
          data: r.rest(MAX_LOGIN_PLUGIN_DATA_BYTES, "data")
        })

export const encodeLoginPluginRequest = (request: LoginPluginRequest, protocolVersion: number): Encoded => {
  if (protocolVersion < PROTOCOL_1_13) return before113(protocolVersion)
  const w = new ByteWriter(16 + request.channel.length + request.data.length)
    .varInt(LOGIN_PLUGIN_REQUEST_PACKET_ID)
    .varInt(request.messageId)
    .string(request.channel, MAX_CHANNEL_CHARS, "login_plugin_request.channel")
  if (request.data.length > MAX_LOGIN_PLUGIN_DATA_BYTES) {
    return tooLarge("login_plugin_request.data", `${request.data.length} bytes, limit ${MAX_LOGIN_PLUGIN_DATA_BYTES}`)
  }
  return w.bytes(request.data).finishFrame(MAX_LOGIN_PLUGIN_REQUEST_FRAME_LENGTH)
}
