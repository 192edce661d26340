/**
 * The ban list in memory (pure): an immutable index over the file's data for the lookups made
 * on every connection, and the audit bookkeeping of changes.
 *
 * Lookups cost one map access per exact target (IP, name, UUID) plus a scan of the range
 * bans, and skip expired entries, so a ban stops matching the moment it expires whether or not
 * the purge has run.
 */
import { Result } from "effect"
import { type Cidr, cidrContains, parseCidr } from "../address/Cidr.ts"
import { formatIp, normalizeIp, parseRemoteAddress } from "../address/IpAddress.ts"
import { canonicalUuid } from "../protocol/Uuid.ts"
import { type AuditEntry, type BanEntry, isExpired, MAX_AUDIT_ENTRIES, targetKey } from "./Ban.ts"
import type { BanFileData } from "./BanFile.ts"

/** What a connection is known by at a given stage; absent fields are not checked. */
export interface BanLookup {
  readonly ip?: string | undefined
  readonly username?: string | undefined
  readonly uuid?: string | undefined
}

export interface Index {
  readonly data: BanFileData
  /** `targetKey` → entry, for ip, username and uuid targets. */
  readonly exact: ReadonlyMap<string, BanEntry>
  readonly ranges: ReadonlyArray<{ readonly cidr: Cidr; readonly entry: BanEntry }>
  /** Any ip or cidr ban: without one, lookups skip parsing the client's address. */
  readonly hasIpBans: boolean
  /** Any name or UUID ban: without one, a login's lookup skips lower-casing and parsing them. */
  readonly hasNameBans: boolean
  readonly hasUuidBans: boolean
}

export const indexOf = (data: BanFileData): Index => {
  const exact = new Map<string, BanEntry>()
  const ranges: Array<{ cidr: Cidr; entry: BanEntry }> = []
  let hasIpBans = false
  let hasNameBans = false
  let hasUuidBans = false
  for (const entry of data.bans) {
    if (entry.target.type === "ip") hasIpBans = true
    if (entry.target.type === "username") hasNameBans = true
    if (entry.target.type === "uuid") hasUuidBans = true
    if (entry.target.type !== "cidr") exact.set(targetKey(entry.target), entry)
    else {
      const cidr = parseCidr(entry.target.value)
      if (Result.isSuccess(cidr)) ranges.push({ cidr: cidr.success, entry })
    }
  }
  return { data, exact, ranges, hasIpBans: hasIpBans || ranges.length > 0, hasNameBans, hasUuidBans }
}

/** `entries` plus `more`, keeping the newest {@link MAX_AUDIT_ENTRIES}; unchanged when disabled. */
export const audited = (entries: ReadonlyArray<AuditEntry>, more: ReadonlyArray<AuditEntry>, enabled: boolean) =>
  enabled && more.length > 0 ? [...entries, ...more].slice(-MAX_AUDIT_ENTRIES) : entries

/** The audit entries that describe a hand edit from `before` to `after`. */
export const diffAudit = (before: Index, after: BanFileData, timestamp: number): Array<AuditEntry> => {
  const out: Array<AuditEntry> = []
  const afterKeys = new Set<string>()
  const previous = new Map(before.data.bans.map((b) => [targetKey(b.target), b]))
  for (const ban of after.bans) {
    const key = targetKey(ban.target)
    afterKeys.add(key)
    const old = previous.get(key)
    if (old === undefined || JSON.stringify(old) !== JSON.stringify(ban)) {
      out.push({ action: "ban", target: ban.target, reason: ban.reason, source: "file", timestamp })
    }
  }
  for (const ban of before.data.bans) {
    if (!afterKeys.has(targetKey(ban.target))) {
      out.push({ action: "unban", target: ban.target, reason: undefined, source: "file", timestamp })
    }
  }
  return out
}

/** The active ban matching, in order: the IP (exact, then ranges), the name, the UUID. */
export const lookupBan = (index: Index, lookup: BanLookup, nowMs: number): BanEntry | undefined => {
  const active = (entry: BanEntry | undefined): entry is BanEntry => entry !== undefined && !isExpired(entry, nowMs)
  if (lookup.ip !== undefined && index.hasIpBans) {
    const ip = parseRemoteAddress(lookup.ip)
    if (Result.isSuccess(ip)) {
      const exact = index.exact.get(`ip:${formatIp(normalizeIp(ip.success))}`)
      if (active(exact)) return exact
      for (const range of index.ranges) {
        if (active(range.entry) && cidrContains(range.cidr, ip.success)) return range.entry
      }
    }
  }
  if (lookup.username !== undefined && index.hasNameBans) {
    const byName = index.exact.get(`username:${lookup.username.toLowerCase()}`)
    if (active(byName)) return byName
  }
  const uuid = lookup.uuid === undefined || !index.hasUuidBans ? undefined : canonicalUuid(lookup.uuid)
  if (uuid !== undefined) {
    const byUuid = index.exact.get(`uuid:${uuid}`)
    if (active(byUuid)) return byUuid
  }
  return undefined
}
