/**
 * Login Acknowledged (serverbound 0x03 in the login state, 1.20.2+): an empty packet by which
 * the client confirms Login Success and moves to the configuration state. Older clients go
 * straight to play, so the packet does not exist for protocols below 764 (Unsupported).
 * Checked against minecraft-data 3.117.0 `packet_login_acknowledged` for every release
 * minecraft-protocol supports (test/protocol/LoginCrossCheck.test.ts).
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Login_Acknowledged
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import type { FrameBounds } from "./Frame.ts"
import { malformed, unsupported } from "./ProtocolError.ts"
import { decodePacket } from "./PacketReader.ts"
import { PROTOCOL_1_20_2 } from "./ProtocolVersion.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const LOGIN_ACKNOWLEDGED_PACKET_ID = 0x03

/** Only the packet id (a zero-padded VarInt may take 5 bytes). */
export const MAX_LOGIN_ACKNOWLEDGED_FRAME_LENGTH = VARINT_MAX_BYTES

const before1202 = (protocolVersion: number) =>
  unsupported("login_acknowledged", `no configuration state before 1.20.2 (protocol ${protocolVersion})`)

/** Decodes the empty frame; bytes after the packet id are Malformed, as in vanilla. */
export const decodeLoginAcknowledged = (
  bytes: Uint8Array,
  offset: number,
  protocolVersion: number
): Decode<FrameBounds> =>
  protocolVersion < PROTOCOL_1_20_2
    ? before1202(protocolVersion)
    : decodePacket(bytes, offset, MAX_LOGIN_ACKNOWLEDGED_FRAME_LENGTH, "login_acknowledged", (_r, packetId) =>
      packetId !== LOGIN_ACKNOWLEDGED_PACKET_ID
        ? malformed("login_acknowledged.packet_id", `expected 0x03, got 0x${packetId.toString(16)}`)
        : {})

export const encodeLoginAcknowledged = (protocolVersion: number): Encoded =>
  protocolVersion < PROTOCOL_1_20_2
    ? before1202(protocolVersion)
    : new ByteWriter(2).varInt(LOGIN_ACKNOWLEDGED_PACKET_ID).finishFrame()
