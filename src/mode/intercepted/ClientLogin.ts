/**
 * The player's side of an intercepted login, which the proxy completes itself:
 *
 * - {@link authenticate} (client_only, or a plugin's ForceOnline): Encryption Request with the
 *   process's RSA key and a fresh verify token; the Encryption Response checked (token or 1.19
 *   salt signature, then the shared secret); AES-128-CFB8 switched on both ways; hasJoined asked
 *   of the session server (`[auth]`). Every failure is a value carrying the text the player reads
 *   in their disconnect screen — nothing ends silently (Infrarust drops auth failures).
 * - {@link completeLogin}: Set Compression at the backend's threshold (the player's leg is
 *   compressed too, which Infrarust never does; with equal thresholds compressed frames cross
 *   untouched), Login Success, and for 1.20.2+ the player's Login Acknowledged.
 */
import { type Duration, Effect, Result } from "effect"
import { completeKeyExchange, encryptionRequestFor, newVerifyToken } from "../../auth/KeyExchange.ts"
import { serverHash } from "../../auth/ServerHash.ts"
import { ServerKeyPair } from "../../auth/ServerKeyPair.ts"
import { SessionServer } from "../../auth/SessionServer.ts"
import { makeDecryptor, makeEncryptor } from "../../packet/Cipher.ts"
import { encodeLoginDisconnect } from "../../protocol/Disconnect.ts"
import { encodeEncryptionRequest } from "../../protocol/EncryptionRequest.ts"
import { decodeEncryptionResponse } from "../../protocol/EncryptionResponse.ts"
import type { GameProfile } from "../../protocol/GameProfile.ts"
import type { DecodedLoginStart } from "../../protocol/LoginStart.ts"
import { encodeLoginSuccess, type LoginSuccess } from "../../protocol/LoginSuccess.ts"
import type { PacketTable } from "../../protocol/PacketIds.ts"
import { isProtocolError, type ProtocolError } from "../../protocol/ProtocolError.ts"
import { encodeSetCompression } from "../../protocol/SetCompression.ts"
import type { Text } from "../../protocol/TextPackets.ts"
import { sendFrame } from "./BackendLogin.ts"
import { asFrame, type LegClosed, type PacketLeg, readPacket } from "./PacketLeg.ts"

export type AuthOutcome =
  | { readonly _tag: "Authenticated"; readonly profile: GameProfile }
  /** `kick`: what the player reads; `detail`: the log's side of it. */
  | { readonly _tag: "Failed"; readonly kick: string; readonly detail: string }

const failed = (kick: string, detail: string): AuthOutcome => ({ _tag: "Failed", kick, detail })

/** 1.7 and 1.8 used Set Compression only from 1.8 (protocol 47). */
const PROTOCOL_1_8 = 47

export const authenticate = Effect.fnUntraced(function*(options: {
  readonly leg: PacketLeg
  readonly protocol: number
  readonly loginStart: DecodedLoginStart
  readonly clientAddress: string
  readonly preventProxyConnections: boolean
  readonly timeout: Duration.Duration
}) {
  const { leg, loginStart, protocol } = options
  const keys = yield* ServerKeyPair
  const verifyToken = newVerifyToken()
  const request = encodeEncryptionRequest(encryptionRequestFor(keys, verifyToken), protocol)
  if (isProtocolError(request)) return failed("Internal error", `cannot encode the encryption request: ${request.message}`)
  leg.socket.write(request)
  const packet = yield* readPacket(leg, "its encryption response", options.timeout)
  const frame = asFrame(packet)
  const response = isProtocolError(frame) ? frame : decodeEncryptionResponse(frame, 0, protocol)
  if (isProtocolError(response) || response._tag !== "Done") {
    return failed("Invalid encryption response", `unreadable encryption response${isProtocolError(response) ? `: ${response.message}` : ""}`)
  }
  const exchanged = completeKeyExchange(keys, response.value, {
    verifyToken,
    ...(loginStart.signatureData === undefined ? {} : { playerPublicKey: loginStart.signatureData.publicKey })
  })
  if (Result.isFailure(exchanged)) {
    // The client encrypts from its response on; it can read our kick only if we have the secret.
    const secret = keys.decrypt(response.value.encryptedSharedSecret)
    if (Result.isSuccess(secret) && secret.success.length === 16) encrypt(leg, secret.success)
    return failed("Failed to verify username!", `encryption check failed: ${exchanged.failure.message}`)
  }
  encrypt(leg, exchanged.success)
  const hash = serverHash("", exchanged.success, keys.publicKeyDer)
  const answer = yield* (yield* SessionServer).hasJoined(loginStart.name, hash, options.preventProxyConnections ? options.clientAddress : undefined)
  switch (answer._tag) {
    case "Joined":
      return { _tag: "Authenticated", profile: answer.profile } as AuthOutcome
    case "NotJoined":
      return failed(answer.reason, `the session server does not know this join (HTTP ${answer.status})`)
    case "Unavailable":
      return failed(answer.reason, `the session server gave no usable answer: ${answer.detail}`)
  }
})

const encrypt = (leg: PacketLeg, secret: Uint8Array) => {
  const decryptor = makeDecryptor(secret)
  const encryptor = makeEncryptor(secret)
  if (!isProtocolError(decryptor)) leg.reader.setDecryption(decryptor)
  if (!isProtocolError(encryptor)) leg.writer.setEncryption(encryptor)
}

/** A login Disconnect through the leg (encrypted when the leg is). */
export const loginKick = (leg: PacketLeg, text: Text): void => {
  sendFrame(leg, encodeLoginDisconnect(text))
}

/**
 * Set Compression (when the backend compresses and the client can), Login Success, and for
 * 1.20.2+ the client's Login Acknowledged. The player's leg then compresses at `threshold`.
 */
export const completeLogin = (options: {
  readonly leg: PacketLeg
  readonly protocol: number
  readonly table: PacketTable
  readonly threshold: number
  readonly success: LoginSuccess
  readonly timeout: Duration.Duration
}): Effect.Effect<void, ProtocolError | LegClosed> =>
  Effect.gen(function*() {
    const { leg, protocol } = options
    if (options.threshold >= 0 && protocol >= PROTOCOL_1_8) {
      const sent = sendFrame(leg, encodeSetCompression({ threshold: options.threshold }, protocol))
      if (sent !== undefined) return yield* sent
      leg.writer.setCompression(options.threshold)
      leg.reader.setCompression(options.threshold)
    }
    const sent = sendFrame(leg, encodeLoginSuccess(options.success, protocol))
    if (sent !== undefined) return yield* sent
    const acknowledged = options.table.login.serverbound.ids.login_acknowledged
    if (acknowledged === undefined) return
    for (;;) {
      const packet = yield* readPacket(leg, "its login acknowledgement", options.timeout)
      if (packet.id === acknowledged) return
      // Anything else in the login state after Login Success is not for us to relay.
      yield* Effect.logDebug(`ignored login packet 0x${packet.id.toString(16)} from the player before its acknowledgement`)
    }
  })
