/**
 * Login Plugin Response (serverbound 0x02 in the login state, 1.13+): the answer to a Login
 * Plugin Request with the same message id. Layout: `VarInt message id, bool successful, data to
 * the end of the frame (only when successful)`. "Not successful" means the client does not
 * understand the channel; it then carries no data (vanilla reads nothing after `false` and
 * refuses trailing bytes). The proxy decodes it from clients (relayed plugin queries) and encodes
 * it towards backends (the Velocity forwarding answer). Before 1.13 it does not exist (Unsupported).
 * Checked against minecraft-data 3.117.0 `packet_login_plugin_response` for every release
 * minecraft-protocol supports (test/protocol/LoginCrossCheck.test.ts) and vanilla's
 * `ServerboundCustomQueryAnswerPacket`.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Login_Plugin_Response
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import type { FrameBounds } from "./Frame.ts"
import { MAX_LOGIN_PLUGIN_DATA_BYTES } from "./LoginPluginRequest.ts"
import { malformed, tooLarge, unsupported } from "./ProtocolError.ts"
import { decodePacket } from "./PacketReader.ts"
import { PROTOCOL_1_13 } from "./ProtocolVersion.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const LOGIN_PLUGIN_RESPONSE_PACKET_ID = 0x02

/** Packet id + message id + bool + data, VarInts at their 5-byte maximum. */
export const MAX_LOGIN_PLUGIN_RESPONSE_FRAME_LENGTH = 2 * VARINT_MAX_BYTES + 1 + MAX_LOGIN_PLUGIN_DATA_BYTES

export interface LoginPluginResponse {
  readonly messageId: number
  /** Present exactly when the client understood the request ("successful"). */
  readonly data?: Uint8Array
}

const before113 = (protocolVersion: number) =>
  unsupported("login_plugin_response", `no login plugin messages before 1.13 (protocol ${protocolVersion})`)

/** Decodes a Login Plugin Response frame; `data` is a view into `bytes` (copy it to keep it). */
export const decodeLoginPluginResponse = (
  bytes: Uint8Array,
  offset: number,
  protocolVersion: number
): Decode<LoginPluginResponse & FrameBounds> =>
  protocolVersion < PROTOCOL_1_13
    ? before113(protocolVersion)
    : decodePacket(bytes, offset, MAX_LOGIN_PLUGIN_RESPONSE_FRAME_LENGTH, "login_plugin_response", (r, packetId) => {
      if (packetId !== LOGIN_PLUGIN_RESPONSE_PACKET_ID) {
        return malformed("login_plugin_response.packet_id", `expected 0x02, got 0x${packetId.toString(16)}`)
      }
      const messageId = r.varInt("message_id")
      return r.bool("successful") ? { messageId, data: r.rest(MAX_LOGIN_PLUGIN_DATA_BYTES, "data") } : { messageId }
    })

/** Encodes a Login Plugin Response frame: `data` present = successful. */
export const encodeLoginPluginResponse = (response: LoginPluginResponse, protocolVersion: number): Encoded => {
  if (protocolVersion < PROTOCOL_1_13) return before113(protocolVersion)
  const { data } = response
  if (data !== undefined && data.length > MAX_LOGIN_PLUGIN_DATA_BYTES) {
    return tooLarge("login_plugin_response.data", `${data.length} bytes, limit ${MAX_LOGIN_PLUGIN_DATA_BYTES}`)
  }
  const w = new ByteWriter(8 + (data?.length ?? 0))
    .varInt(LOGIN_PLUGIN_RESPONSE_PACKET_ID)
    .varInt(response.messageId)
    .bool(data !== undefined)
  if (data !== undefined) w.bytes(data)
  return w.finishFrame(MAX_LOGIN_PLUGIN_RESPONSE_FRAME_LENGTH)
}
