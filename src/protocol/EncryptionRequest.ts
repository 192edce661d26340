/**
 * Encryption Request (clientbound 0x01 in the login state): the proxy's public key and a verify
 * token, which start online-mode authentication. The layout depends on the protocol:
 *
 * | protocol | releases        | fields                                                        |
 * |----------|-----------------|---------------------------------------------------------------|
 * | < 47     | 1.7.2 – 1.7.10  | server id, public key, verify token (i16-prefixed arrays)     |
 * | 47 – 765 | 1.8 – 1.20.4    | server id, public key, verify token (VarInt-prefixed arrays)  |
 * | ≥ 766    | 1.20.5 +        | … and `should_authenticate` (false = encryption without Mojang) |
 *
 * Checked against minecraft-data 3.117.0 `packet_encryption_begin` (toClient) for every release
 * minecraft-protocol supports (test/protocol/LoginCrossCheck.test.ts) and vanilla's
 * `ClientboundHelloPacket` (`readUtf(20)` for the server id).
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Encryption_Request
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import type { FrameBounds } from "./Frame.ts"
import { malformed } from "./ProtocolError.ts"
import { decodePacket, type PacketReader } from "./PacketReader.ts"
import { PROTOCOL_1_20_5, PROTOCOL_1_8 } from "./ProtocolVersion.ts"
import { MAX_UTF8_BYTES_PER_CHAR } from "./Utf8.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const ENCRYPTION_REQUEST_PACKET_ID = 0x01

/** Vanilla `ClientboundHelloPacket`: `readUtf(20)`. Modern servers send "" (1.7 sent a random id). */
export const MAX_SERVER_ID_CHARS = 20

/**
 * RSA ciphertexts and signatures are exactly as long as the key's modulus: 128 bytes for the
 * proxy's 1024-bit key, 256 for Mojang's 2048-bit player chat keys. 512 covers 4096-bit keys.
 * Vanilla bounds these arrays only by the frame; we bound them by what RSA can produce. A
 * verify token is a plaintext the client must fit into one such block, so the same bound holds.
 */
export const MAX_RSA_BLOCK_BYTES = 512

/**
 * The public key is an X.509 SubjectPublicKeyInfo (DER): 162 bytes for a 1024-bit RSA key,
 * 550 for a 4096-bit one. 1024 leaves room without letting a peer announce megabytes.
 */
export const MAX_SERVER_PUBLIC_KEY_BYTES = 1024

export interface EncryptionRequest {
  /** "" for every modern server; part of the server hash. */
  readonly serverId: string
  /** DER SubjectPublicKeyInfo of the server's RSA key. */
  readonly publicKey: Uint8Array
  readonly verifyToken: Uint8Array
  /**
   * 1.20.5+ only: whether the client must call Mojang's `join` before answering. Encoded as
   * `true` when absent; decoded only for layouts that carry it.
   */
  readonly shouldAuthenticate?: boolean
}

export interface DecodedEncryptionRequest extends EncryptionRequest, FrameBounds {}

export type EncryptionRequestLayout = "ShortArrays" | "VarIntArrays" | "VarIntArraysAuthenticate"

export const encryptionRequestLayout = (protocolVersion: number): EncryptionRequestLayout =>
  protocolVersion < PROTOCOL_1_8
    ? "ShortArrays"
    : protocolVersion < PROTOCOL_1_20_5
    ? "VarIntArrays"
    : "VarIntArraysAuthenticate"

/** Longest Encryption Request frame (packet id + fields), VarInts at their 5-byte maximum. */
export const maxEncryptionRequestFrameLength = (protocolVersion: number): number => {
  const layout = encryptionRequestLayout(protocolVersion)
  const prefix = layout === "ShortArrays" ? 2 : VARINT_MAX_BYTES
  return VARINT_MAX_BYTES + (VARINT_MAX_BYTES + MAX_SERVER_ID_CHARS * MAX_UTF8_BYTES_PER_CHAR) +
    (prefix + MAX_SERVER_PUBLIC_KEY_BYTES) + (prefix + MAX_RSA_BLOCK_BYTES) +
    (layout === "VarIntArraysAuthenticate" ? 1 : 0)
}

const readArray = (r: PacketReader, layout: EncryptionRequestLayout, max: number, field: string): Uint8Array =>
  layout === "ShortArrays" ? r.shortByteArray(max, field) : r.byteArray(max, field)

/** Decodes an Encryption Request frame in the layout of `protocolVersion` (the proxy reads one only in tests). */
export const decodeEncryptionRequest = (
  bytes: Uint8Array,
  offset: number,
  protocolVersion: number
): Decode<DecodedEncryptionRequest> => {
  const layout = encryptionRequestLayout(protocolVersion)
  const max = maxEncryptionRequestFrameLength(protocolVersion)
  return decodePacket(bytes, offset, max, "encryption_request", (r, packetId) => {
    if (packetId !== ENCRYPTION_REQUEST_PACKET_ID) {
      return malformed("encryption_request.packet_id", `expected 0x01, got 0x${packetId.toString(16)}`)
    }
    const serverId = r.string(MAX_SERVER_ID_CHARS, "server_id")
    const publicKey = readArray(r, layout, MAX_SERVER_PUBLIC_KEY_BYTES, "public_key")
    const verifyToken = readArray(r, layout, MAX_RSA_BLOCK_BYTES, "verify_token")
    return layout === "VarIntArraysAuthenticate"
      ? { serverId, publicKey, verifyToken, shouldAuthenticate: r.bool("should_authenticate") }
      : { serverId, publicKey, verifyToken }
  })
}

/** Encodes an Encryption Request frame in the layout of `protocolVersion`. */
export const encodeEncryptionRequest = (request: EncryptionRequest, protocolVersion: number): Encoded => {
  const layout = encryptionRequestLayout(protocolVersion)
  const w = new ByteWriter(32 + request.publicKey.length + request.verifyToken.length)
    .varInt(ENCRYPTION_REQUEST_PACKET_ID)
    .string(request.serverId, MAX_SERVER_ID_CHARS, "encryption_request.server_id")
  if (layout === "ShortArrays") {
    w.shortByteArray(request.publicKey, MAX_SERVER_PUBLIC_KEY_BYTES, "encryption_request.public_key")
      .shortByteArray(request.verifyToken, MAX_RSA_BLOCK_BYTES, "encryption_request.verify_token")
  } else {
    w.byteArray(request.publicKey, MAX_SERVER_PUBLIC_KEY_BYTES, "encryption_request.public_key")
      .byteArray(request.verifyToken, MAX_RSA_BLOCK_BYTES, "encryption_request.verify_token")
  }
  if (layout === "VarIntArraysAuthenticate") w.bool(request.shouldAuthenticate ?? true)
  return w.finishFrame(maxEncryptionRequestFrameLength(protocolVersion))
}
