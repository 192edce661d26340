/**
 * Login Start (serverbound 0x00 in the login state), whose layout depends on the protocol:
 *
 * | protocol        | releases        | fields                                              |
 * |-----------------|-----------------|-----------------------------------------------------|
 * | < 759           | 1.7.2 – 1.18.2  | name                                                |
 * | 759             | 1.19            | name, optional signature data                       |
 * | 760             | 1.19.1 – 1.19.2 | name, optional signature data, optional UUID        |
 * | 761 – 763       | 1.19.3 – 1.20.1 | name, optional UUID                                 |
 * | ≥ 764           | 1.20.2 +        | name, UUID                                          |
 *
 * Signature data = i64 key expiry (epoch ms), byte array public key (≤ 512), byte array key
 * signature (≤ 4096). "Optional" = a bool, then the value if true. Checked against
 * minecraft-data 3.117.0 `packet_login_start` for 1.18.2, 1.19, 1.19.2, 1.19.3, 1.20.1, 1.20.2,
 * 26.1, and vanilla's `ServerboundHelloPacket` (`readUtf(16)`) and `ProfilePublicKey.Data`.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Login_Start
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import type { FrameBounds } from "./Frame.ts"
import { malformed } from "./ProtocolError.ts"
import { decodePacket } from "./PacketReader.ts"
import {
  NEWEST_KNOWN_PROTOCOL,
  PROTOCOL_1_19,
  PROTOCOL_1_19_1,
  PROTOCOL_1_19_3,
  PROTOCOL_1_20_2
} from "./ProtocolVersion.ts"
import { MAX_UTF8_BYTES_PER_CHAR } from "./Utf8.ts"
import { UUID_BYTES } from "./Uuid.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const LOGIN_START_PACKET_ID = 0x00

/** Player names are `String(16)` (vanilla `ServerboundHelloPacket`: `readUtf(16)`). */
export const MAX_PLAYER_NAME_CHARS = 16
/** Vanilla 1.19–1.19.2 `readPublicKey()`: `readByteArray(512)` (an X.509 RSA key). */
export const MAX_PUBLIC_KEY_BYTES = 512
/** Vanilla `ProfilePublicKey.Data.MAX_KEY_SIGNATURE_SIZE`. */
export const MAX_KEY_SIGNATURE_BYTES = 4096

export interface SignatureData {
  /** Key expiry, milliseconds since the epoch. */
  readonly timestamp: bigint
  readonly publicKey: Uint8Array
  readonly signature: Uint8Array
}

export interface LoginStart {
  readonly name: string
  /** Canonical lower-case dashed UUID; always present from 1.20.2 (protocol 764). */
  readonly uuid?: string
  /** Only in 1.19–1.19.2 (protocols 759–760), and only when the client has chat keys. */
  readonly signatureData?: SignatureData
}

export interface DecodedLoginStart extends LoginStart, FrameBounds {}

export type LoginStartLayout =
  | "Name"
  | "NameSignature"
  | "NameSignatureOptionalUuid"
  | "NameOptionalUuid"
  | "NameUuid"

export const loginStartLayout = (protocolVersion: number): LoginStartLayout =>
  protocolVersion < PROTOCOL_1_19
    ? "Name"
    : protocolVersion < PROTOCOL_1_19_1
    ? "NameSignature"
    : protocolVersion < PROTOCOL_1_19_3
    ? "NameSignatureOptionalUuid"
    : protocolVersion < PROTOCOL_1_20_2
    ? "NameOptionalUuid"
    : "NameUuid"

const hasSignature = (layout: LoginStartLayout): boolean =>
  layout === "NameSignature" || layout === "NameSignatureOptionalUuid"

/** A bool, then the UUID if true (1.19.1 – 1.20.1). */
const hasOptionalUuid = (layout: LoginStartLayout): boolean =>
  layout === "NameSignatureOptionalUuid" || layout === "NameOptionalUuid"

// VarInts (packet id, length prefixes) count at their 5-byte maximum, since vanilla accepts
// zero-padded ones; bools are 1 byte, the timestamp 8.
const NAME_FIELD_MAX_BYTES = VARINT_MAX_BYTES + MAX_PLAYER_NAME_CHARS * MAX_UTF8_BYTES_PER_CHAR
const SIGNATURE_FIELD_MAX_BYTES = 1 + 8 + (VARINT_MAX_BYTES + MAX_PUBLIC_KEY_BYTES) +
  (VARINT_MAX_BYTES + MAX_KEY_SIGNATURE_BYTES)
const UUID_FIELD_MAX_BYTES = 1 + UUID_BYTES

const layoutMaxFrameLength = (layout: LoginStartLayout): number =>
  VARINT_MAX_BYTES + NAME_FIELD_MAX_BYTES + (hasSignature(layout) ? SIGNATURE_FIELD_MAX_BYTES : 0) +
  (layout === "NameUuid" || hasOptionalUuid(layout) ? UUID_FIELD_MAX_BYTES : 0)

/**
 * Frame bound for protocols newer than the table: the largest Login Start any release has sent
 * (1.19.1's, with signature data, about 4.7 KB). Future fields are unknown, but a hostile
 * client announcing a made-up protocol must not get the 2 MiB general frame limit pre-login.
 */
export const MAX_FUTURE_LOGIN_START_FRAME_LENGTH = layoutMaxFrameLength("NameSignatureOptionalUuid")

/** Longest valid Login Start frame (packet id + fields) for a protocol. */
export const maxLoginStartFrameLength = (protocolVersion: number): number =>
  protocolVersion > NEWEST_KNOWN_PROTOCOL
    ? MAX_FUTURE_LOGIN_START_FRAME_LENGTH
    : layoutMaxFrameLength(loginStartLayout(protocolVersion))

/**
 * Decodes the Login Start frame at `offset` with the layout of `protocolVersion` (from the
 * handshake). Trailing bytes are Malformed for known protocols; for protocols newer than
 * {@link NEWEST_KNOWN_PROTOCOL} they are ignored (a future release may append fields, and the
 * frame's own bounds are returned for verbatim forwarding), and the frame limit becomes
 * {@link MAX_FUTURE_LOGIN_START_FRAME_LENGTH}.
 */
export const decodeLoginStart = (
  bytes: Uint8Array,
  offset: number,
  protocolVersion: number
): Decode<DecodedLoginStart> => {
  const layout = loginStartLayout(protocolVersion)
  return decodePacket(bytes, offset, maxLoginStartFrameLength(protocolVersion), "login_start", (r, packetId) => {
    if (packetId !== LOGIN_START_PACKET_ID) {
      return malformed("login_start.packet_id", `expected 0x00, got 0x${packetId.toString(16)}`)
    }
    const name = r.string(MAX_PLAYER_NAME_CHARS, "name")
    let signatureData: SignatureData | undefined
    if (hasSignature(layout) && r.bool("has_signature")) {
      const timestamp = r.i64("timestamp")
      const publicKey = r.byteArray(MAX_PUBLIC_KEY_BYTES, "public_key")
      const signature = r.byteArray(MAX_KEY_SIGNATURE_BYTES, "signature")
      signatureData = { timestamp, publicKey, signature }
    }
    let uuid: string | undefined
    if (layout === "NameUuid" || (hasOptionalUuid(layout) && r.bool("has_uuid"))) uuid = r.uuid("uuid")
    return {
      name,
      ...(uuid === undefined ? {} : { uuid }),
      ...(signatureData === undefined ? {} : { signatureData })
    }
  }, protocolVersion > NEWEST_KNOWN_PROTOCOL)
}

/**
 * Encodes a Login Start frame in the layout of `protocolVersion`. Fields the layout has no room
 * for are dropped (a UUID before 1.19.1, signature data outside 1.19–1.19.2); a missing UUID
 * from 1.20.2 on is Malformed, since that layout requires one.
 */
export const encodeLoginStart = (loginStart: LoginStart, protocolVersion: number): Encoded => {
  const layout = loginStartLayout(protocolVersion)
  const w = new ByteWriter(64)
    .varInt(LOGIN_START_PACKET_ID)
    .string(loginStart.name, MAX_PLAYER_NAME_CHARS, "login_start.name")
  if (hasSignature(layout)) {
    const sig = loginStart.signatureData
    w.bool(sig !== undefined)
    if (sig !== undefined) {
      w.i64(sig.timestamp)
        .byteArray(sig.publicKey, MAX_PUBLIC_KEY_BYTES, "login_start.public_key")
        .byteArray(sig.signature, MAX_KEY_SIGNATURE_BYTES, "login_start.signature")
    }
  }
  if (layout === "NameUuid") {
    if (loginStart.uuid === undefined) w.fail(malformed("login_start.uuid", "required from protocol 764 (1.20.2)"))
    else w.uuid(loginStart.uuid, "login_start.uuid")
  } else if (hasOptionalUuid(layout)) {
    w.bool(loginStart.uuid !== undefined)
    if (loginStart.uuid !== undefined) w.uuid(loginStart.uuid, "login_start.uuid")
  }
  return w.finishFrame(maxLoginStartFrameLength(protocolVersion))
}
