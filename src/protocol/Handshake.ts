/**
 * The Handshake (Intention) packet, the first frame of every modern connection:
 * `0x00 | VarInt protocolVersion | String(255) serverAddress | u16 serverPort | VarInt nextState`.
 * Its layout has not changed since 1.7.2, so it decodes the same for every protocol number.
 *
 * Invariant: the frame limit is derived from the address limit, so a handshake longer than the
 * longest valid one is TooLarge on its length prefix. Decoding returns the frame bounds so the
 * proxy can forward the client's original bytes untouched when it does not rewrite them.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Handshake
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import { type Decode, done } from "./Decode.ts"
import type { FrameBounds } from "./Frame.ts"
import { malformed, unsupported } from "./ProtocolError.ts"
import { decodePacket } from "./PacketReader.ts"
import { MAX_STRING_CHARS, MAX_UTF8_BYTES_PER_CHAR } from "./Utf8.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const HANDSHAKE_PACKET_ID = 0x00

/**
 * Vanilla reads the address as `readUtf(255)` (`ClientIntentionPacket`), and Infrarust uses the
 * same bound. A Forge marker (`"\0FML3\0"`, 6 chars) fits easily. BungeeCord-style forwarding
 * (`host\0ip\0uuid\0properties`) is longer, but that is written by a proxy towards a backend,
 * never by a client towards us; callers that must accept it pass a larger limit.
 */
export const MAX_SERVER_ADDRESS_CHARS = 255

/**
 * The encoder writes what the proxy sends to backends, which may carry forwarding data, so it
 * only enforces the protocol's general `String` maximum.
 */
export const MAX_ENCODED_SERVER_ADDRESS_CHARS = MAX_STRING_CHARS

/** Next-state values (https://minecraft.wiki/w/Java_Edition_protocol/Packets#Handshake). */
export const NextState = { Status: 1, Login: 2, Transfer: 3 } as const
export type NextState = (typeof NextState)[keyof typeof NextState]

export interface Handshake {
  readonly protocolVersion: number
  readonly serverAddress: string
  readonly serverPort: number
  /** 3 (transfer) exists from 1.20.5 (protocol 766); it is accepted for any protocol number. */
  readonly nextState: NextState
}

export interface DecodedHandshake extends Handshake, FrameBounds {}

/**
 * Longest handshake frame (packet id + fields) for an address limit of `maxAddressChars`.
 * Every VarInt counts at its 5-byte maximum: vanilla accepts zero-padded VarInts, so a bound
 * that assumed minimal encodings could refuse a handshake vanilla takes.
 */
export const maxHandshakeFrameLength = (maxAddressChars: number): number =>
  4 * VARINT_MAX_BYTES + maxAddressChars * MAX_UTF8_BYTES_PER_CHAR + 2

/** 787 bytes for the vanilla 255-char address. */
export const MAX_HANDSHAKE_FRAME_LENGTH = maxHandshakeFrameLength(MAX_SERVER_ADDRESS_CHARS)

/**
 * Decodes the handshake frame at `offset`. Callers must first rule out a legacy ping
 * (`LegacyPing.ts`: first byte 0xFE) and a legacy login (first byte 0x02).
 * An unknown next state is Unsupported; trailing bytes in the frame are Malformed, as in vanilla.
 */
export const decodeHandshake = (
  bytes: Uint8Array,
  offset: number,
  maxAddressChars: number = MAX_SERVER_ADDRESS_CHARS
): Decode<DecodedHandshake> => {
  const decoded = decodePacket(bytes, offset, maxHandshakeFrameLength(maxAddressChars), "handshake", (r, packetId) =>
    packetId !== HANDSHAKE_PACKET_ID
      ? malformed("handshake.packet_id", `expected 0x00, got 0x${packetId.toString(16)}`)
      : {
        protocolVersion: r.varInt("protocol_version"),
        serverAddress: r.string(maxAddressChars, "server_address"),
        serverPort: r.u16("server_port"),
        nextState: r.varInt("next_state")
      })
  if (decoded._tag !== "Done") return decoded
  const { nextState } = decoded.value
  if (nextState !== NextState.Status && nextState !== NextState.Login && nextState !== NextState.Transfer) {
    return unsupported("handshake.next_state", `unknown next state ${nextState}`)
  }
  return done({ ...decoded.value, nextState }, decoded.offset)
}

/**
 * Encodes a complete handshake frame (e.g. with the address rewritten for a backend).
 * The address may be up to `maxAddressChars` UTF-16 code units; the port is taken modulo 2^16.
 */
export const encodeHandshake = (
  handshake: Handshake,
  maxAddressChars: number = MAX_ENCODED_SERVER_ADDRESS_CHARS
): Encoded =>
  new ByteWriter(16 + handshake.serverAddress.length)
    .varInt(HANDSHAKE_PACKET_ID)
    .varInt(handshake.protocolVersion)
    .string(handshake.serverAddress, maxAddressChars, "handshake.server_address")
    .u16(handshake.serverPort)
    .varInt(handshake.nextState)
    .finishFrame(maxHandshakeFrameLength(maxAddressChars))
