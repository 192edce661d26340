/**
 * Set Compression (clientbound 0x03 in the login state, 1.8+): from the next frame on, frames
 * whose packet id + payload reach `threshold` bytes are zlib-compressed; a negative threshold
 * turns compression off. The packet itself is the last uncompressed frame. 1.7 has no
 * compression, so the packet does not exist for protocols below 47 (Unsupported).
 * Checked against minecraft-data 3.117.0 `packet_compress` for every release minecraft-protocol
 * supports (test/protocol/LoginCrossCheck.test.ts).
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Set_Compression
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import type { FrameBounds } from "./Frame.ts"
import { malformed, unsupported } from "./ProtocolError.ts"
import { decodePacket } from "./PacketReader.ts"
import { PROTOCOL_1_8 } from "./ProtocolVersion.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const SET_COMPRESSION_PACKET_ID = 0x03

/** Packet id + VarInt threshold, both at their 5-byte maximum. */
export const MAX_SET_COMPRESSION_FRAME_LENGTH = 2 * VARINT_MAX_BYTES

export interface SetCompression {
  /** Smallest uncompressed length that gets compressed; negative = compression off. */
  readonly threshold: number
}

const before18 = (protocolVersion: number) =>
  unsupported("set_compression", `no compression before 1.8 (protocol ${protocolVersion})`)

export const decodeSetCompression = (
  bytes: Uint8Array,
  offset: number,
  protocolVersion: number
): Decode<SetCompression & FrameBounds> =>
  protocolVersion < PROTOCOL_1_8
    ? before18(protocolVersion)
    : decodePacket(bytes, offset, MAX_SET_COMPRESSION_FRAME_LENGTH, "set_compression", (r, packetId) =>
      packetId !== SET_COMPRESSION_PACKET_ID
        ? malformed("set_compression.packet_id", `expected 0x03, got 0x${packetId.toString(16)}`)
        : { threshold: r.varInt("threshold") })

export const encodeSetCompression = (compression: SetCompression, protocolVersion: number): Encoded =>
  protocolVersion < PROTOCOL_1_8
    ? before18(protocolVersion)
    : new ByteWriter(8).varInt(SET_COMPRESSION_PACKET_ID).varInt(compression.threshold).finishFrame()
