/**
 * The protocol's stream encryption: AES-128 in CFB8 mode, key = IV = the 16-byte shared secret
 * of the login's encryption exchange, one cipher per direction of a link, kept for the whole
 * connection (the state runs on from one chunk to the next: chunk boundaries do not matter).
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Encryption
 *
 * CFB8 runs one AES block per byte and each byte depends on the one before, so it cannot be
 * parallelised on the encrypting side: it is the most expensive step of an encrypted link
 * (bench/packet/Floor.ts measures it). OpenSSL through node:crypto is the fastest option Node has.
 */
import * as Crypto from "node:crypto"
import { malformed, type ProtocolError } from "../protocol/ProtocolError.ts"

/** The shared secret is an AES-128 key. */
export const SHARED_SECRET_BYTES = 16

/** One direction of an encrypted link: `update` returns a new buffer of the same length. */
export interface StreamCipher {
  readonly update: (bytes: Uint8Array) => Uint8Array
}

const ALGORITHM = "aes-128-cfb8"

const checkSecret = (secret: Uint8Array): ProtocolError | undefined =>
  secret.length === SHARED_SECRET_BYTES
    ? undefined
    : malformed("encryption.shared_secret", `${secret.length} bytes, expected ${SHARED_SECRET_BYTES}`)

/** The cipher for bytes this side sends. A secret that is not 16 bytes is Malformed. */
export const makeEncryptor = (secret: Uint8Array): StreamCipher | ProtocolError =>
  checkSecret(secret) ?? Crypto.createCipheriv(ALGORITHM, secret, secret)

/** The cipher for bytes this side receives. A secret that is not 16 bytes is Malformed. */
export const makeDecryptor = (secret: Uint8Array): StreamCipher | ProtocolError =>
  checkSecret(secret) ?? Crypto.createDecipheriv(ALGORITHM, secret, secret)
