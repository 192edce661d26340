/**
 * Which edits of `infrarust.toml` weaken the proxy's protections (pure): the ban file moved, a
 * rate limit raised or turned off, an `[ip_filter]` loosened or removed, `trusted_proxies`
 * widened or emptied. A reload that does any of these is logged at WARN with what changed, so an
 * operator (or whoever reads the log after an incident) sees that the door was opened wider,
 * and when. Tightening is not reported: it is the safe direction.
 */
import { Duration } from "effect"
import type { IpFilterConfig, RateLimitConfig } from "./GlobalTables.ts"
import type { ProxyConfig } from "./ProxyConfig.ts"

/** Tokens per second a bucket refills; Infinity when the bucket is off (0). */
const refill = (max: number, window: Duration.Duration): number =>
  max === 0 ? Number.POSITIVE_INFINITY : max / Math.max(1, Duration.toMillis(window)) * 1000

const bucket = (label: string, key: string, beforeMax: number, beforeWindow: Duration.Duration, afterMax: number, afterWindow: Duration.Duration) => {
  if (beforeMax === 0) return []
  if (afterMax === 0) return [`[rate_limit] ${key} = 0 turns the ${label} limit off (was ${beforeMax})`]
  if (afterMax > beforeMax || refill(afterMax, afterWindow) > refill(beforeMax, beforeWindow)) {
    return [`[rate_limit] ${label} limit raised from ${beforeMax} per ${Duration.format(beforeWindow)} to ${afterMax} per ${Duration.format(afterWindow)}`]
  }
  return []
}

const rateLimit = (a: RateLimitConfig, b: RateLimitConfig): Array<string> => [
  ...bucket("login", "max_connections", a.maxConnections, a.window, b.maxConnections, b.window),
  ...bucket("status", "status_max", a.statusMax, a.statusWindow, b.statusMax, b.statusWindow),
  ...(b.ipv6Prefix > a.ipv6Prefix ? [`[rate_limit] ipv6_prefix ${a.ipv6Prefix} → ${b.ipv6Prefix}: an IPv6 network gets more buckets`] : [])
]

const added = (before: ReadonlyArray<string>, after: ReadonlyArray<string>) => after.filter((x) => !before.includes(x))

const ipFilter = (a: IpFilterConfig | undefined, b: IpFilterConfig | undefined): Array<string> => {
  if (a === undefined) return []
  if (b === undefined) return ["[ip_filter] removed"]
  const out: Array<string> = []
  if (a.whitelist.length > 0 && b.whitelist.length === 0) out.push("[ip_filter] whitelist emptied: every address is allowed")
  else if (a.whitelist.length > 0 && added(a.whitelist, b.whitelist).length > 0) {
    out.push(`[ip_filter] whitelist widened: ${added(a.whitelist, b.whitelist).join(", ")}`)
  }
  const lifted = added(b.blacklist, a.blacklist)
  if (lifted.length > 0 && b.whitelist.length === 0) out.push(`[ip_filter] blacklist entries removed: ${lifted.join(", ")}`)
  return out
}

const trust = (a: ProxyConfig, b: ProxyConfig): Array<string> => {
  if (!b.receiveProxyProtocol) return []
  if (b.trustedProxies.length === 0) {
    return !a.receiveProxyProtocol || a.trustedProxies.length > 0
      ? ["receive_proxy_protocol without trusted_proxies: every peer's PROXY header is believed"]
      : []
  }
  // From off, or from "everyone is trusted", a list is a tightening.
  if (!a.receiveProxyProtocol || a.trustedProxies.length === 0) return []
  const wider = added(a.trustedProxies, b.trustedProxies)
  return wider.length > 0 ? [`trusted_proxies widened: ${wider.join(", ")}`] : []
}

/** What `after` loosens compared with `before`, one phrase each; empty when nothing. */
export const securityWeakenings = (before: ProxyConfig, after: ProxyConfig): ReadonlyArray<string> => [
  ...(before.ban.file !== after.ban.file
    ? [`[ban] file changed from ${before.ban.file} to ${after.ban.file} (the bans in memory are carried over)`]
    : []),
  ...rateLimit(before.rateLimit, after.rateLimit),
  ...ipFilter(before.ipFilter, after.ipFilter),
  ...trust(before, after)
]
