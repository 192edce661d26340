/**
 * Which edits of infrarust.toml count as weakening security (SecurityChanges.ts): each kind of
 * loosening is named, tightening and unrelated edits are not.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { parseProxyConfig } from "../../src/config/ConfigLoader.ts"
import { securityWeakenings } from "../../src/config/SecurityChanges.ts"

const config = (text: string) => {
  const parsed = parseProxyConfig(text, "infrarust.toml")
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
  return parsed.success.config
}
const weakenings = (before: string, after: string) => securityWeakenings(config(before), config(after))

describe("security weakenings", () => {
  it("tightening and unrelated edits are not reported", () => {
    assert.deepStrictEqual(weakenings(`[rate_limit]\nmax_connections = 5`, `[rate_limit]\nmax_connections = 3\nwindow = "20s"`), [])
    assert.deepStrictEqual(weakenings(`[ip_filter]\nblacklist = ["10.0.0.0/8"]`, `[ip_filter]\nblacklist = ["10.0.0.0/8", "192.0.2.1"]`), [])
    assert.deepStrictEqual(weakenings(`receive_proxy_protocol = true`, `receive_proxy_protocol = true\ntrusted_proxies = ["10.0.0.1"]`), [])
    assert.deepStrictEqual(weakenings(``, `shutdown_timeout = "5s"\n[ip_filter]\nwhitelist = ["10.0.0.0/8"]`), [])
  })

  it("names each loosening", () => {
    assert.deepStrictEqual(weakenings(`[ban]\nfile = "a.json"`, `[ban]\nfile = "b.json"`), [
      "[ban] file changed from a.json to b.json (the bans in memory are carried over)"
    ])
    assert.deepStrictEqual(weakenings(``, `[rate_limit]\nwindow = "5s"`), ["[rate_limit] login limit raised from 3 per 10s to 3 per 5s"])
    assert.deepStrictEqual(weakenings(``, `[rate_limit]\nstatus_max = 0`), ["[rate_limit] status_max = 0 turns the status limit off (was 300)"])
    assert.deepStrictEqual(weakenings(`[rate_limit]\nipv6_prefix = 64`, ``), ["[rate_limit] ipv6_prefix 64 → 128: an IPv6 network gets more buckets"])
    assert.deepStrictEqual(weakenings(`[ip_filter]\nwhitelist = ["10.0.0.0/8"]`, `[ip_filter]\nwhitelist = []`), ["[ip_filter] whitelist emptied: every address is allowed"])
    assert.deepStrictEqual(weakenings(`[ip_filter]\nwhitelist = ["10.0.0.0/8"]`, `[ip_filter]\nwhitelist = ["10.0.0.0/8", "0.0.0.0/0"]`), ["[ip_filter] whitelist widened: 0.0.0.0/0"])
    assert.deepStrictEqual(weakenings(`[ip_filter]\nblacklist = ["10.0.0.0/8", "192.0.2.1"]`, `[ip_filter]\nblacklist = ["10.0.0.0/8"]`), ["[ip_filter] blacklist entries removed: 192.0.2.1"])
    assert.deepStrictEqual(weakenings(`[ip_filter]\nblacklist = ["10.0.0.0/8"]`, ``), ["[ip_filter] removed"])
    assert.deepStrictEqual(weakenings(`receive_proxy_protocol = true\ntrusted_proxies = ["10.0.0.1"]`, `receive_proxy_protocol = true\ntrusted_proxies = ["10.0.0.1", "10.0.0.2"]`), ["trusted_proxies widened: 10.0.0.2"])
    assert.deepStrictEqual(weakenings(`receive_proxy_protocol = true\ntrusted_proxies = ["10.0.0.1"]`, `receive_proxy_protocol = true`), [
      "receive_proxy_protocol without trusted_proxies: every peer's PROXY header is believed"
    ])
  })
})
