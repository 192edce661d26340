/**
 * The UUID an offline-mode server gives a player: Java's
 * `UUID.nameUUIDFromBytes(("OfflinePlayer:" + name).getBytes(UTF_8))`, i.e. the MD5 of that
 * string with the version nibble set to 3 and the IETF variant bits `10`. Backends in offline
 * mode derive the same UUID, so the proxy, the backend and every plugin agree on who the player
 * is ("Notch" → b50ad385-829d-3141-a216-7e7d7539ba7f).
 *
 * Deliberately not Infrarust's `offline_uuid`, which hashes 16 zero bytes (a nil namespace) in
 * front of the string and so gives different UUIDs than vanilla (reference §2.11.2, [BUG]).
 */
import { createHash } from "node:crypto"
import { uuidFromBytes } from "../protocol/Uuid.ts"

/** Canonical lower-case dashed offline-mode UUID of `name` (case-sensitive, as in vanilla). */
export const offlineUuid = (name: string): string => {
  const digest = createHash("md5").update(`OfflinePlayer:${name}`, "utf8").digest()
  digest[6] = (digest[6]! & 0x0f) | 0x30 // version 3 (name-based, MD5)
  digest[8] = (digest[8]! & 0x3f) | 0x80 // IETF variant
  return uuidFromBytes(digest, 0)
}
