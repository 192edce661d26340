/**
 * The proxy's RSA key pair for online-mode logins: one 1024-bit key per process, generated when
 * the layer is built (vanilla and Infrarust do the same). Clients encrypt their AES shared secret
 * and our verify token with the public key; only this process can read them.
 *
 * PKCS#1 v1.5 and Node 24 (CVE-2023-46809, the Marvin timing attack): Node only allows
 * `RSA_PKCS1_PADDING` in `privateDecrypt` when its OpenSSL does *implicit rejection* (OpenSSL
 * 3.2+; Node 24.21 bundles 3.5). A ciphertext with bad padding then does not throw: it decrypts
 * to a deterministic pseudo-random message, so that timing reveals nothing. Callers must therefore
 * never treat "it decrypted" as "it was valid": KeyExchange.ts checks the secret's length and
 * compares the verify token in constant time, which turns a wrong or garbled response into a
 * clean failure. A Node built against an OpenSSL without implicit rejection refuses the padding
 * altogether; the layer's self-test catches that at start-up with an explanation, instead of
 * failing every login.
 */
import { Context, Effect, Layer, Result, Schema } from "effect"
import {
  constants,
  generateKeyPair,
  type KeyObject,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
  timingSafeEqual
} from "node:crypto"

/** Vanilla's `Crypt.generateKeyPair()` size; clients accept any RSA key, but expect this one. */
export const RSA_KEY_BITS = 1024
/** A ciphertext under our key is exactly one modulus long. */
export const RSA_BLOCK_BYTES = RSA_KEY_BITS / 8

export class ServerKeyPairError extends Schema.TaggedError<ServerKeyPairError>()("ServerKeyPairError", {
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot set up the RSA key for online-mode logins: ${this.detail}`
  }
}

export interface ServerKeyPairShape {
  /** X.509 SubjectPublicKeyInfo (DER), as the Encryption Request carries it (162 bytes). */
  readonly publicKeyDer: Uint8Array
  /**
   * RSA PKCS#1 v1.5 decryption of one block. Fails (with the reason) for a block that is not
   * exactly {@link RSA_BLOCK_BYTES} long or that OpenSSL refuses; a block with bad padding
   * "succeeds" with pseudo-random bytes (see the module comment).
   */
  readonly decrypt: (ciphertext: Uint8Array) => Result.Result<Uint8Array, string>
}

const decryptWith = (privateKey: KeyObject) => (ciphertext: Uint8Array): Result.Result<Uint8Array, string> => {
  if (ciphertext.length !== RSA_BLOCK_BYTES) {
    return Result.fail(`expected a ${RSA_BLOCK_BYTES}-byte RSA block, got ${ciphertext.length} bytes`)
  }
  // privateDecrypt reports a refused block (value not below the modulus) by throwing; this is a
  // plain function, not Effect code.
  try {
    return Result.succeed(new Uint8Array(privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, ciphertext)))
  } catch (error) {
    return Result.fail((error as Error).message)
  }
}

/** The shape over an existing key pair (tests build throwaway ones). */
export const fromKeyObjects = (publicKey: KeyObject, privateKey: KeyObject): ServerKeyPairShape => ({
  publicKeyDer: new Uint8Array(publicKey.export({ type: "spki", format: "der" })),
  decrypt: decryptWith(privateKey)
})

/** Encrypts a random secret as a client would and decrypts it again. */
const selfTest = (publicKey: KeyObject, keys: ServerKeyPairShape): Result.Result<void, string> => {
  const probe = randomBytes(16)
  const decrypted = keys.decrypt(new Uint8Array(publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, probe)))
  if (Result.isFailure(decrypted)) {
    return Result.fail(
      `RSA PKCS#1 v1.5 decryption does not work in this Node build (${decrypted.failure}); Node needs an ` +
        "OpenSSL with implicit rejection (3.2 or newer), as the official Node 24 builds bundle"
    )
  }
  const same = decrypted.success.length === probe.length && timingSafeEqual(decrypted.success, probe)
  return same ? Result.succeed(undefined) : Result.fail("RSA self-test decrypted to different bytes")
}

/** Generates the key pair (off the event loop) and checks that decryption works. */
export const makeServerKeyPair: Effect.Effect<ServerKeyPairShape, ServerKeyPairError> = Effect.callback<
  { readonly publicKey: KeyObject; readonly privateKey: KeyObject },
  ServerKeyPairError
>((resume) =>
  generateKeyPair("rsa", { modulusLength: RSA_KEY_BITS }, (error, publicKey, privateKey) =>
    resume(
      error === null
        ? Effect.succeed({ publicKey, privateKey })
        : Effect.fail(new ServerKeyPairError({ detail: error.message }))
    ))
).pipe(
  Effect.flatMap(({ privateKey, publicKey }) => {
    const keys = fromKeyObjects(publicKey, privateKey)
    return Result.match(selfTest(publicKey, keys), {
      onSuccess: () => Effect.succeed(keys),
      onFailure: (detail) => Effect.fail(new ServerKeyPairError({ detail }))
    })
  })
)

export class ServerKeyPair extends Context.Service<ServerKeyPair, ServerKeyPairShape>()("infrarust/auth/ServerKeyPair") {
  /** One key pair for the process; building the layer fails with {@link ServerKeyPairError} if RSA is unusable. */
  static readonly layer = Layer.effect(ServerKeyPair, makeServerKeyPair)
}
