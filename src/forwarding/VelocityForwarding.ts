/**
 * Velocity modern forwarding: a backend (Paper with `proxies.velocity.enabled`, Fabric
 * FabricProxy-Lite, …) sends a Login Plugin Request on `velocity:player_info` whose first data
 * byte is the highest version it understands; the proxy answers with the player's address and
 * profile, signed with the shared secret, and the backend refuses the login unless the HMAC
 * verifies.
 *
 * Version negotiation (reference §2.12, as Infrarust does it): `req = min(requested, 4)`;
 * `req ≤ 1` → 1; else a 1.19.3+ client → 4 if `req ≥ 4`, else 1; else with chat-session key
 * data → 2; else 1. (Version 3 is encodable but never chosen, as in Infrarust.)
 *
 * Payload: `VarInt version, String address, UUID, String name, VarInt n, n × (String name,
 * String value, Bool signed, [String signature])`, then for v2/v3 `i64 key expiry, ByteArray
 * key, ByteArray key signature`, and for v3 `Bool + UUID` (the key's holder). The response data
 * is `HMAC-SHA256(secret, payload)` (32 bytes) followed by the payload.
 * Source: https://github.com/PaperMC/Velocity (VelocityProxy forwarding), reference §2.12.
 */
import { createHmac } from "node:crypto"
import { ByteWriter, type Encoded, isEncodedBytes } from "../protocol/ByteWriter.ts"
import { type LoginPluginRequest, MAX_LOGIN_PLUGIN_DATA_BYTES } from "../protocol/LoginPluginRequest.ts"
import { MAX_KEY_SIGNATURE_BYTES, MAX_PLAYER_NAME_CHARS, MAX_PUBLIC_KEY_BYTES } from "../protocol/LoginStart.ts"
import { encodeLoginPluginResponse, type LoginPluginResponse } from "../protocol/LoginPluginResponse.ts"
import { isProtocolError, malformed, type ProtocolError, tooLarge } from "../protocol/ProtocolError.ts"
import { PROTOCOL_1_19_3 } from "../protocol/ProtocolVersion.ts"
import { MAX_STRING_CHARS } from "../protocol/Utf8.ts"
import type { ForwardedPlayer } from "./ForwardedPlayer.ts"

export const VELOCITY_PLAYER_INFO_CHANNEL = "velocity:player_info"

/** Velocity's `MODERN_DEFAULT`: what a request without a version byte means. */
export const VELOCITY_DEFAULT_VERSION = 1
/** `MODERN_LAZY_SESSION`, the newest version we (and Infrarust) speak. */
export const VELOCITY_MAX_VERSION = 4

/** HMAC-SHA256 output, which precedes the payload in the response data. */
export const VELOCITY_SIGNATURE_BYTES = 32

export type VelocityVersion = 1 | 2 | 3 | 4

/** A 1.19–1.19.2 chat-signing key (from Login Start), carried by versions 2 and 3. */
export interface ChatSessionKey {
  /** Expiry, milliseconds since the epoch. */
  readonly expiry: bigint
  readonly publicKey: Uint8Array
  readonly signature: Uint8Array
  /** The key's holder (v3 only); canonical UUID. */
  readonly holder?: string
}

/** The version the backend asks for: the request's first data byte, or 1 without one. */
export const requestedVelocityVersion = (request: Pick<LoginPluginRequest, "data">): number =>
  request.data.length > 0 ? request.data[0]! : VELOCITY_DEFAULT_VERSION

/** The version to answer with (reference §2.12). */
export const negotiateVelocityVersion = (
  requested: number,
  clientProtocol: number,
  chatSessionKey?: ChatSessionKey
): VelocityVersion => {
  const req = Math.min(requested, VELOCITY_MAX_VERSION)
  if (req <= 1) return 1
  if (clientProtocol >= PROTOCOL_1_19_3) return req >= 4 ? 4 : 1
  return chatSessionKey !== undefined ? 2 : 1
}

/** The payload (without its signature) for `version`; v2/v3 without a key is Malformed. */
export const encodeVelocityPayload = (
  version: VelocityVersion,
  player: ForwardedPlayer,
  chatSessionKey?: ChatSessionKey
): Encoded => {
  const { id, name, properties } = player.profile
  const w = new ByteWriter(128)
    .varInt(version)
    .string(player.address, MAX_STRING_CHARS, "velocity.address")
    .uuid(id, "velocity.uuid")
    .string(name, MAX_PLAYER_NAME_CHARS, "velocity.name")
    .varInt(properties.length)
  for (const p of properties) {
    w.string(p.name, MAX_STRING_CHARS, "velocity.property.name")
      .string(p.value, MAX_STRING_CHARS, "velocity.property.value")
      .bool(p.signature !== undefined)
    if (p.signature !== undefined) w.string(p.signature, MAX_STRING_CHARS, "velocity.property.signature")
  }
  if (version === 2 || version === 3) {
    if (chatSessionKey === undefined) return w.fail(malformed("velocity.key", `version ${version} carries a chat key`)).finish()
    w.i64(chatSessionKey.expiry)
      .byteArray(chatSessionKey.publicKey, MAX_PUBLIC_KEY_BYTES, "velocity.key.public_key")
      .byteArray(chatSessionKey.signature, MAX_KEY_SIGNATURE_BYTES, "velocity.key.signature")
    if (version === 3) {
      w.bool(chatSessionKey.holder !== undefined)
      if (chatSessionKey.holder !== undefined) w.uuid(chatSessionKey.holder, "velocity.key.holder")
    }
  }
  return w.finish()
}

/** `HMAC-SHA256(secret, payload) ‖ payload`, the response data; the secret as UTF-8. */
export const signVelocityPayload = (secret: string, payload: Uint8Array): Uint8Array => {
  const out = new Uint8Array(VELOCITY_SIGNATURE_BYTES + payload.length)
  out.set(createHmac("sha256", Buffer.from(secret, "utf8")).update(payload).digest())
  out.set(payload, VELOCITY_SIGNATURE_BYTES)
  return out
}

/**
 * The answer to a backend's `velocity:player_info` request: version negotiated, payload
 * encoded and signed. An error when the payload cannot be encoded or exceeds the 1 MiB plugin
 * message bound.
 */
export const velocityPlayerInfoAnswer = (
  request: LoginPluginRequest,
  player: ForwardedPlayer,
  secret: string,
  clientProtocol: number,
  chatSessionKey?: ChatSessionKey
): LoginPluginResponse | ProtocolError => {
  const version = negotiateVelocityVersion(requestedVelocityVersion(request), clientProtocol, chatSessionKey)
  const payload = encodeVelocityPayload(version, player, chatSessionKey)
  if (!isEncodedBytes(payload)) return payload
  const data = signVelocityPayload(secret, payload)
  if (data.length > MAX_LOGIN_PLUGIN_DATA_BYTES) {
    return tooLarge("velocity.payload", `${data.length} bytes, limit ${MAX_LOGIN_PLUGIN_DATA_BYTES}`)
  }
  return { messageId: request.messageId, data }
}

/**
 * The whole Login Plugin Response frame for the backend (`backendProtocol` = the protocol the
 * backend connection speaks, i.e. the client's).
 */
export const encodeVelocityPlayerInfoResponse = (
  request: LoginPluginRequest,
  player: ForwardedPlayer,
  secret: string,
  backendProtocol: number,
  chatSessionKey?: ChatSessionKey
): Encoded => {
  const answer = velocityPlayerInfoAnswer(request, player, secret, backendProtocol, chatSessionKey)
  return isProtocolError(answer) ? answer : encodeLoginPluginResponse(answer, backendProtocol)
}
