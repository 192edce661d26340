/**
 * The "server hash" both sides of an online-mode login send to Mojang: SHA-1 over
 * `serverId (ASCII) ‖ shared secret ‖ server public key (DER)`, written the way Java's
 * `new BigInteger(digest).toString(16)` writes it: the 20 bytes read as a signed big-endian
 * two's-complement number, in lower-case hex without leading zeros, with `-` for negative values.
 * The client posts it with `join`; the proxy asks `hasJoined` with it, so a one-character
 * difference means "not joined".
 * Known vectors (SHA-1 of the name alone): "Notch" → 4ed1f46bbe04bc756bcb17c0c7ce3e4632f06a48,
 * "jeb_" → -7c9d5b0044c130109a5d7b5fb5c317c02b4e28c1, "simon" → 88e16a1019277b15d58faf0541e11910eb756f6.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Encryption#Authentication
 */
import { createHash } from "node:crypto"

/** Java's `BigInteger(bytes).toString(16)` for a digest. */
export const minecraftHexDigest = (digest: Uint8Array): string => {
  const negative = digest.length > 0 && (digest[0]! & 0x80) !== 0
  let magnitude = 0n
  for (const byte of digest) magnitude = (magnitude << 8n) | BigInt(byte)
  // Two's complement: a negative number's magnitude is 2^bits - value.
  if (negative) magnitude = (1n << BigInt(digest.length * 8)) - magnitude
  return (negative ? "-" : "") + magnitude.toString(16)
}

/** The hash of one login, as sent to `hasJoined`; modern servers use `serverId = ""`. */
export const serverHash = (serverId: string, sharedSecret: Uint8Array, publicKeyDer: Uint8Array): string =>
  minecraftHexDigest(createHash("sha1").update(serverId, "latin1").update(sharedSecret).update(publicKeyDer).digest())
