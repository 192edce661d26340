/**
 * Encryption Response (serverbound 0x01 in the login state): the client's shared secret and its
 * proof that it saw our verify token, both RSA-encrypted with the proxy's public key (decrypting
 * them is `src/auth/`'s job). The layout depends on the protocol:
 *
 * | protocol  | releases        | fields                                                         |
 * |-----------|-----------------|----------------------------------------------------------------|
 * | < 47      | 1.7.2 – 1.7.10  | secret, token (i16-prefixed arrays)                            |
 * | 47 – 758  | 1.8 – 1.18.2    | secret, token (VarInt-prefixed arrays)                         |
 * | 759 – 760 | 1.19 – 1.19.2   | secret, bool has_token, then token, or i64 salt + signature    |
 * | ≥ 761     | 1.19.3 +        | secret, token                                                  |
 *
 * In 1.19–1.19.2 a client holding chat-signing keys may skip the encrypted token and instead sign
 * `token ‖ salt` with the key it sent in Login Start (vanilla `ServerboundKeyPacket`,
 * `SaltSignaturePair`). Checked against minecraft-data 3.117.0 `packet_encryption_begin`
 * (toServer) for every release minecraft-protocol supports (test/protocol/LoginCrossCheck.test.ts).
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Encryption_Response
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import type { Decode } from "./Decode.ts"
import { MAX_RSA_BLOCK_BYTES } from "./EncryptionRequest.ts"
import type { FrameBounds } from "./Frame.ts"
import { malformed, type ProtocolError } from "./ProtocolError.ts"
import { decodePacket, type PacketReader } from "./PacketReader.ts"
import { PROTOCOL_1_19, PROTOCOL_1_19_3, PROTOCOL_1_8 } from "./ProtocolVersion.ts"
import { VARINT_MAX_BYTES } from "./VarInt.ts"

export const ENCRYPTION_RESPONSE_PACKET_ID = 0x01

/** How the client proves it saw our verify token. */
export type EncryptionVerification =
  /** The token, RSA-encrypted with our key (every release). */
  | { readonly _tag: "VerifyToken"; readonly encryptedVerifyToken: Uint8Array }
  /** 1.19–1.19.2 with chat keys: SHA256withRSA over `token ‖ salt (i64 BE)` by the player's key. */
  | { readonly _tag: "SaltSignature"; readonly salt: bigint; readonly signature: Uint8Array }

export interface EncryptionResponse {
  /** The 16-byte AES key, RSA-encrypted with our key. */
  readonly encryptedSharedSecret: Uint8Array
  readonly verification: EncryptionVerification
}

export interface DecodedEncryptionResponse extends EncryptionResponse, FrameBounds {}

export type EncryptionResponseLayout = "ShortArrays" | "VarIntArrays" | "VarIntArraysOrSalt"

export const encryptionResponseLayout = (protocolVersion: number): EncryptionResponseLayout =>
  protocolVersion < PROTOCOL_1_8
    ? "ShortArrays"
    : protocolVersion >= PROTOCOL_1_19 && protocolVersion < PROTOCOL_1_19_3
    ? "VarIntArraysOrSalt"
    : "VarIntArrays"

/**
 * Longest Encryption Response frame (packet id + fields). The salt variant is the longer one
 * (bool + i64 beside the signature); VarInts count at their 5-byte maximum.
 */
export const maxEncryptionResponseFrameLength = (protocolVersion: number): number => {
  const layout = encryptionResponseLayout(protocolVersion)
  const array = (layout === "ShortArrays" ? 2 : VARINT_MAX_BYTES) + MAX_RSA_BLOCK_BYTES
  return VARINT_MAX_BYTES + 2 * array + (layout === "VarIntArraysOrSalt" ? 1 + 8 : 0)
}

const readArray = (r: PacketReader, layout: EncryptionResponseLayout, field: string): Uint8Array =>
  layout === "ShortArrays" ? r.shortByteArray(MAX_RSA_BLOCK_BYTES, field) : r.byteArray(MAX_RSA_BLOCK_BYTES, field)

/** Decodes an Encryption Response frame in the layout of `protocolVersion`. */
export const decodeEncryptionResponse = (
  bytes: Uint8Array,
  offset: number,
  protocolVersion: number
): Decode<DecodedEncryptionResponse> => {
  const layout = encryptionResponseLayout(protocolVersion)
  const max = maxEncryptionResponseFrameLength(protocolVersion)
  return decodePacket(bytes, offset, max, "encryption_response", (r, packetId): EncryptionResponse | ProtocolError => {
    if (packetId !== ENCRYPTION_RESPONSE_PACKET_ID) {
      return malformed("encryption_response.packet_id", `expected 0x01, got 0x${packetId.toString(16)}`)
    }
    const encryptedSharedSecret = readArray(r, layout, "shared_secret")
    if (layout === "VarIntArraysOrSalt" && !r.bool("has_verify_token")) {
      const salt = r.i64("salt")
      const signature = r.byteArray(MAX_RSA_BLOCK_BYTES, "signature")
      return { encryptedSharedSecret, verification: { _tag: "SaltSignature", salt, signature } }
    }
    const encryptedVerifyToken = readArray(r, layout, "verify_token")
    return { encryptedSharedSecret, verification: { _tag: "VerifyToken", encryptedVerifyToken } }
  })
}

/**
 * Encodes an Encryption Response frame (what a client sends; the proxy uses it in tests). A salt
 * signature outside 1.19–1.19.2 is Malformed: no other layout can carry one.
 */
export const encodeEncryptionResponse = (response: EncryptionResponse, protocolVersion: number): Encoded => {
  const layout = encryptionResponseLayout(protocolVersion)
  const { encryptedSharedSecret, verification } = response
  const w = new ByteWriter(16 + 2 * MAX_RSA_BLOCK_BYTES).varInt(ENCRYPTION_RESPONSE_PACKET_ID)
  const array = (value: Uint8Array, field: string) =>
    layout === "ShortArrays"
      ? w.shortByteArray(value, MAX_RSA_BLOCK_BYTES, `encryption_response.${field}`)
      : w.byteArray(value, MAX_RSA_BLOCK_BYTES, `encryption_response.${field}`)
  array(encryptedSharedSecret, "shared_secret")
  if (verification._tag === "SaltSignature") {
    if (layout !== "VarIntArraysOrSalt") {
      return w.fail(malformed("encryption_response.salt", "only 1.19–1.19.2 (protocols 759–760) carry a salt signature")).finish()
    }
    w.bool(false).i64(verification.salt).byteArray(verification.signature, MAX_RSA_BLOCK_BYTES, "encryption_response.signature")
  } else {
    if (layout === "VarIntArraysOrSalt") w.bool(true)
    array(verification.encryptedVerifyToken, "verify_token")
  }
  return w.finishFrame(maxEncryptionResponseFrameLength(protocolVersion))
}
