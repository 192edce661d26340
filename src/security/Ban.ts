/**
 * Bans as data (pure): who is banned, why, by whom, until when; the canonical form of each
 * target; and the text a banned player reads.
 *
 * Targets follow Infrarust's `bans.json` (`ip`, `username`, `uuid`) plus `cidr`, an
 * infrarust-ts extension for whole ranges. Values are kept canonical so one target has one
 * key: IPv4-mapped IPv6 becomes IPv4, CIDR host bits are cleared, UUIDs are lower-case and
 * dashed. Usernames keep the case they were given and match case-insensitively.
 *
 * Times are whole seconds since the epoch, as in the file; a ban is expired when
 * `now >= expires_at`.
 */
import { Result } from "effect"
import { formatCidr, parseCidr } from "../address/Cidr.ts"
import { formatIp, normalizeIp, parseIp } from "../address/IpAddress.ts"
import { canonicalUuid } from "../protocol/Uuid.ts"

export const banTargetTypes = ["ip", "cidr", "username", "uuid"] as const
export type BanTargetType = typeof banTargetTypes[number]

export interface BanTarget {
  readonly type: BanTargetType
  readonly value: string
}

export interface BanEntry {
  readonly target: BanTarget
  /** Shown to the player; absent = "Banned by administrator". */
  readonly reason: string | undefined
  /** Epoch seconds; absent = permanent. */
  readonly expiresAt: number | undefined
  /** Epoch seconds. */
  readonly createdAt: number
  /** Who banned: "console", an admin name, a plugin id, "file" for hand edits. */
  readonly source: string
}

export type AuditAction = "ban" | "unban" | "expired"

export interface AuditEntry {
  readonly action: AuditAction
  readonly target: BanTarget
  readonly reason: string | undefined
  readonly source: string
  /** Epoch seconds. */
  readonly timestamp: number
}

/** Infrarust keeps the newest 10 000 audit entries (`MAX_AUDIT_LOG_ENTRIES`). */
export const MAX_AUDIT_ENTRIES = 10_000

/** Reasons are shown in a kick (at most 32767 characters in total) and logged: keep them sane. */
export const MAX_REASON_CHARS = 1024
export const MAX_USERNAME_CHARS = 64

/** The canonical target, or why the value is not one of its type. */
export const parseBanTarget = (type: string, value: string): Result.Result<BanTarget, string> => {
  switch (type) {
    case "ip": {
      const ip = parseIp(value)
      if (Result.isFailure(ip)) {
        return Result.fail(
          value.includes("/")
            ? `"${value}" is a range; use a target of type "cidr" for ranges`
            : `"${value}" is not an IP address (${ip.failure.detail})`
        )
      }
      return Result.succeed({ type, value: formatIp(normalizeIp(ip.success)) })
    }
    case "cidr": {
      const cidr = parseCidr(value)
      if (Result.isFailure(cidr)) return Result.fail(`"${value}" is not a CIDR block (${cidr.failure.detail})`)
      return Result.succeed({ type, value: formatCidr(cidr.success) })
    }
    case "username":
      if (value.length === 0 || value.length > MAX_USERNAME_CHARS || value.trim() !== value) {
        return Result.fail(`"${value}" is not a player name (1-${MAX_USERNAME_CHARS} characters, no surrounding spaces)`)
      }
      return Result.succeed({ type, value })
    case "uuid": {
      const uuid = canonicalUuid(value)
      return uuid === undefined ? Result.fail(`"${value}" is not a UUID`) : Result.succeed({ type, value: uuid })
    }
    default:
      return Result.fail(`unknown target type "${type}" (expected one of ${banTargetTypes.map((t) => `"${t}"`).join(", ")})`)
  }
}

/** One key per target: usernames are case-insensitive. */
export const targetKey = (target: BanTarget): string =>
  `${target.type}:${target.type === "username" ? target.value.toLowerCase() : target.value}`

/** `username:Griefer`, `ip:1.2.3.4`, `cidr:10.0.0.0/8` — for logs. */
export const describeTarget = (target: BanTarget): string => `${target.type}:${target.value}`

export const isExpired = (entry: BanEntry, nowMs: number): boolean =>
  entry.expiresAt !== undefined && nowMs >= entry.expiresAt * 1000

/**
 * What the banned player reads (Infrarust's `BanEntry::kick_message`, same wording and
 * thresholds): the reason, a blank line, then "This ban is permanent." or the time left.
 */
export const kickMessage = (entry: BanEntry, nowMs: number): string => {
  const reason = entry.reason ?? "Banned by administrator"
  if (entry.expiresAt === undefined) return `${reason}\n\nThis ban is permanent.`
  const remaining = Math.max(0, Math.floor((entry.expiresAt * 1000 - nowMs) / 1000))
  const hours = Math.floor(remaining / 3600)
  const minutes = Math.floor((remaining % 3600) / 60)
  if (hours > 24) return `${reason}\n\nExpires in ${Math.floor(hours / 24)} day(s)`
  if (hours > 0) return `${reason}\n\nExpires in ${hours}h ${minutes}m`
  return `${reason}\n\nExpires in ${minutes} minute(s)`
}

/** "permanent" or "until 2026-01-02T03:04:05Z", for logs. */
export const describeExpiry = (entry: BanEntry): string =>
  entry.expiresAt === undefined ? "permanent" : `until ${new Date(entry.expiresAt * 1000).toISOString().replace(".000Z", "Z")}`
