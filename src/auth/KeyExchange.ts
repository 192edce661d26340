/**
 * The server side of the online-mode key exchange: the Encryption Request the proxy sends, and
 * the check of the client's Encryption Response, which yields the AES shared secret.
 *
 * Invariant: a response passes only if it proves the client saw *this* login's verify token —
 * the token decrypts (with our key) to exactly the bytes we sent, compared in constant time, or,
 * for 1.19–1.19.2 clients with chat keys, the token ‖ salt signature verifies under the key the
 * client presented in Login Start — and the shared secret decrypts to exactly 16 bytes. Every
 * other response, including garbage that RSA implicit rejection turns into random-looking
 * plaintext (ServerKeyPair.ts), is a {@link KeyExchangeFailed} value, never a throw.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Encryption
 */
import { Result, Schema } from "effect"
import { createPublicKey, randomBytes, timingSafeEqual, verify } from "node:crypto"
import type { EncryptionRequest } from "../protocol/EncryptionRequest.ts"
import type { EncryptionResponse } from "../protocol/EncryptionResponse.ts"
import type { ServerKeyPairShape } from "./ServerKeyPair.ts"

/** AES-128: the client's secret is the key and the IV of the CFB8 streams. */
export const SHARED_SECRET_BYTES = 16
/** Vanilla sends 4 random bytes (`ServerLoginPacketListenerImpl.challenge`). */
export const VERIFY_TOKEN_BYTES = 4

export const KeyExchangeFailure = Schema.Literals([
  /** The encrypted shared secret is not one RSA block under our key, or OpenSSL refused it. */
  "SecretUndecryptable",
  /** It decrypted, but not to 16 bytes (a garbled or foreign ciphertext). */
  "SecretWrongLength",
  /** The encrypted verify token is not one RSA block under our key, or OpenSSL refused it. */
  "TokenUndecryptable",
  /** The token decrypted to other bytes than we sent. */
  "TokenMismatch",
  /** A salt signature from a client that sent no public key in Login Start. */
  "NoPlayerKey",
  /** The salt signature does not verify (or the player's key is not a usable RSA key). */
  "BadSignature"
])
export type KeyExchangeFailure = typeof KeyExchangeFailure.Type

export class KeyExchangeFailed extends Schema.TaggedError<KeyExchangeFailed>()("KeyExchangeFailed", {
  reason: KeyExchangeFailure,
  detail: Schema.String
}) {
  override get message(): string {
    return `encryption response refused (${this.reason}): ${this.detail}`
  }
}

/** A fresh random verify token for one login. */
export const newVerifyToken = (): Uint8Array => new Uint8Array(randomBytes(VERIFY_TOKEN_BYTES))

/** The Encryption Request for one login: server id "" (as every modern server), our key, the token. */
export const encryptionRequestFor = (keys: ServerKeyPairShape, verifyToken: Uint8Array): EncryptionRequest => ({
  serverId: "",
  publicKey: keys.publicKeyDer,
  verifyToken,
  shouldAuthenticate: true
})

export interface ExpectedProof {
  /** The token sent in this login's Encryption Request. */
  readonly verifyToken: Uint8Array
  /** DER public key from Login Start's signature data (1.19–1.19.2), if the client sent one. */
  readonly playerPublicKey?: Uint8Array
}

const fail = (reason: KeyExchangeFailure, detail: string) => Result.fail(new KeyExchangeFailed({ reason, detail }))

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && timingSafeEqual(a, b)

/** `token ‖ salt` as the client signed it (salt = i64 big-endian). */
const signedPayload = (token: Uint8Array, salt: bigint): Uint8Array => {
  const out = new Uint8Array(token.length + 8)
  out.set(token)
  new DataView(out.buffer).setBigInt64(token.length, BigInt.asIntN(64, salt))
  return out
}

const verifySaltSignature = (
  expected: ExpectedProof,
  salt: bigint,
  signature: Uint8Array
): Result.Result<void, KeyExchangeFailed> => {
  if (expected.playerPublicKey === undefined) return fail("NoPlayerKey", "salt signature without a key in Login Start")
  // createPublicKey and verify report unusable keys by throwing; this is a plain function.
  try {
    const key = createPublicKey({ key: Buffer.from(expected.playerPublicKey), format: "der", type: "spki" })
    return verify("sha256", signedPayload(expected.verifyToken, salt), key, signature)
      ? Result.succeed(undefined)
      : fail("BadSignature", "the signature of token and salt does not verify")
  } catch (error) {
    return fail("BadSignature", `unusable player key: ${(error as Error).message}`)
  }
}

/**
 * Checks the client's proof of the verify token, then decrypts the shared secret. Success is the
 * 16-byte AES key (also the input of the server hash).
 */
export const completeKeyExchange = (
  keys: ServerKeyPairShape,
  response: EncryptionResponse,
  expected: ExpectedProof
): Result.Result<Uint8Array, KeyExchangeFailed> => {
  const proof = response.verification
  if (proof._tag === "VerifyToken") {
    const token = keys.decrypt(proof.encryptedVerifyToken)
    if (Result.isFailure(token)) return fail("TokenUndecryptable", token.failure)
    if (!sameBytes(token.success, expected.verifyToken)) return fail("TokenMismatch", "the verify token does not match")
  } else {
    const verified = verifySaltSignature(expected, proof.salt, proof.signature)
    if (Result.isFailure(verified)) return Result.fail(verified.failure)
  }
  const secret = keys.decrypt(response.encryptedSharedSecret)
  if (Result.isFailure(secret)) return fail("SecretUndecryptable", secret.failure)
  if (secret.success.length !== SHARED_SECRET_BYTES) {
    return fail("SecretWrongLength", `${secret.success.length} bytes instead of ${SHARED_SECRET_BYTES}`)
  }
  return Result.succeed(secret.success)
}
