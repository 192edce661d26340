/**
 * The small sub-tables of `infrarust.toml`: connection limits, caches, keepalive, bans, IP
 * filters, Docker, the admin web API, permissions, plugin entries and Mojang authentication. Keys and defaults follow
 * Infrarust (reference §1.3); keys marked "infrarust-ts" are our documented extensions.
 *
 * Deviation kept on purpose: `[rate_limit] status_max` defaults to 300 (the newer Infrarust docs)
 * rather than the 30 of the reference commit.
 */
import { Schema } from "effect"
import { ByteSize } from "./ByteSize.ts"
import { DockerEndpointText } from "./DockerEndpoint.ts"
import { BindAddress } from "./HostPort.ts"
import { HumanDuration } from "./HumanDuration.ts"
import {
  Bool,
  CidrList,
  defaultTable,
  integer,
  openTable,
  snakeCase,
  Str,
  StringList,
  table,
  U32,
  U64,
  withDefault
} from "./TomlSchema.ts"

/** `[rate_limit]`: per-client-IP token buckets, one for logins and one for status pings. */
export const RateLimitConfig = table({
  maxConnections: withDefault(U32, 3),
  window: withDefault(HumanDuration, "10s"),
  statusMax: withDefault(U32, 300),
  statusWindow: withDefault(HumanDuration, "10s"),
  /** infrarust-ts: IPv6 clients share a bucket per prefix of this length (64 = per subscriber). */
  ipv6Prefix: withDefault(integer(1, 128), 128)
})
export type RateLimitConfig = typeof RateLimitConfig.Type

/** An absolute `http://` or `https://` URL, kept as written. */
const HttpUrl = Str.check(
  Schema.makeFilter((s: string) => {
    const url = URL.parse(s)
    return (url !== null && (url.protocol === "http:" || url.protocol === "https:")) ||
      `expected an http:// or https:// URL, got ${JSON.stringify(s)}`
  }, { expected: "an http:// or https:// URL" })
)

/**
 * infrarust-ts `[auth]`: Mojang authentication for `client_only` servers (Infrarust hard-codes
 * these). `session_server` is the base URL `/session/minecraft/hasJoined` is appended to.
 */
export const AuthConfig = table({
  sessionServer: withDefault(HttpUrl, "https://sessionserver.mojang.com"),
  /** Send the player's IP with `hasJoined`, so Mojang refuses a login made from another address. */
  preventProxyConnections: withDefault(Bool, false),
  /** Budget for one `hasJoined` request, connection included; then the login fails as "unavailable". */
  timeout: withDefault(HumanDuration, "10s")
})
export type AuthConfig = typeof AuthConfig.Type

/** `[status_cache]`: how long status responses are reused. */
export const StatusCacheConfig = table({
  ttl: withDefault(HumanDuration, "5s"),
  /** Parsed for compatibility; the cache is keyed per server, so it is bounded anyway. */
  maxEntries: withDefault(U64, 1000),
  /** infrarust-ts: how long the last good response is served while the backend is down. */
  grace: withDefault(HumanDuration, "60s")
})
export type StatusCacheConfig = typeof StatusCacheConfig.Type

/** `[keepalive]`: TCP keepalive on client and backend sockets. */
export const KeepaliveConfig = table({
  time: withDefault(HumanDuration, "30s"),
  interval: withDefault(HumanDuration, "10s"),
  retries: withDefault(U32, 3)
})
export type KeepaliveConfig = typeof KeepaliveConfig.Type

/** `[ban]`: the ban store. A relative `file` is relative to the config file's directory (ConfigPaths.ts). */
export const BanConfig = table({
  file: withDefault(Str, "bans.json"),
  purgeInterval: withDefault(HumanDuration, "300s"),
  enableAuditLog: withDefault(Bool, true)
})
export type BanConfig = typeof BanConfig.Type

/** infrarust-ts `[limits]`: bounds on work done before a connection is routed. */
export const LimitsConfig = table({
  /** From accept to the complete first packet (PROXY header, handshake or legacy ping); shorter than the handshake-to-login bound. */
  firstPacketTimeout: withDefault(HumanDuration, "5s"),
  /** From the handshake to the login start. */
  handshakeTimeout: withDefault(HumanDuration, "10s"),
  proxyProtocolTimeout: withDefault(HumanDuration, "5s"),
  /** Budget for relaying one status request to a backend. */
  statusTimeout: withDefault(HumanDuration, "5s"),
  /** Connections the proxy still waits on (handshake, status exchange, login start); the oldest is closed at the cap; 0 = unlimited. */
  maxPendingHandshakes: withDefault(U32, 1024),
  /** The same, per client address (IPv6: per `[rate_limit] ipv6_prefix` network); the address's oldest is closed at the cap; 0 = unlimited. */
  maxPendingPerAddress: withDefault(U32, 16)
})
export type LimitsConfig = typeof LimitsConfig.Type

/** infrarust-ts `[metrics]`: the Prometheus endpoint; absent table = no endpoint. */
export const MetricsConfig = table({
  bind: withDefault(BindAddress, "127.0.0.1:9100")
})
export type MetricsConfig = typeof MetricsConfig.Type

/** `[ip_filter]` (global and per server): a non-empty whitelist wins over the blacklist. */
export const IpFilterConfig = table({
  whitelist: withDefault(CidrList, []),
  blacklist: withDefault(CidrList, [])
})
export type IpFilterConfig = typeof IpFilterConfig.Type

/** `[docker]`: the Docker label provider (src/docker/). */
export const DockerConfig = table({
  /**
   * `unix:///path` or `tcp://host:port`, used as written (Infrarust ignores the path). Absent =
   * `DOCKER_HOST`, else `unix:///var/run/docker.sock` (DockerEndpoint.ts).
   */
  endpoint: Schema.optionalKey(DockerEndpointText),
  network: Schema.optionalKey(Str),
  pollInterval: withDefault(HumanDuration, "30s"),
  reconnectDelay: withDefault(HumanDuration, "5s")
})
export type DockerConfig = typeof DockerConfig.Type

/** `[web]`: the admin API; present table = enabled. */
export const WebConfig = table({
  enableApi: withDefault(Bool, true),
  enableWebui: withDefault(Bool, true),
  bind: withDefault(BindAddress, "127.0.0.1:8080"),
  /** Absent, empty or "CHANGE-ME" = a key is generated at start-up; otherwise 16+ characters. */
  apiKey: Schema.optionalKey(Str.check(
    Schema.makeFilter(
      (key: string) =>
        key === "" || key === "CHANGE-ME" || key.length >= 16 ||
        `the API key is too short (${key.length} characters); use at least 16, or leave it out to generate one`,
      { expected: "an API key of at least 16 characters" }
    )
  )),
  corsOrigins: withDefault(StringList, []),
  rateLimit: defaultTable(table({ requestsPerMinute: withDefault(U64, 60) }))
})
export type WebConfig = typeof WebConfig.Type

/**
 * `[permissions]`. Infrarust does not deny unknown keys here (newer versions add `provider`
 * and `trust_offline_admins`), so neither do we: unknown keys are dropped with a warning.
 */
const permissionsFields = {
  admins: withDefault(StringList, []),
  playerCommands: withDefault(StringList, [])
}
export const PermissionsConfig = openTable(permissionsFields)
export type PermissionsConfig = typeof PermissionsConfig.Type

/** The keys `[permissions]` knows, as written in the file, for the unknown-key warning. */
export const permissionsKeys: ReadonlyArray<string> = Object.keys(permissionsFields).map(snakeCase)

/**
 * `[plugins.<id>]`: per-plugin settings. `path` is the plugin's module (.ts or .js); `permissions`
 * is parsed as Infrarust parses it (and, as there, grants nothing yet); infrarust-ts adds
 * `listener_timeout` (the cut-off of one listener call) and `[plugins.<id>.config]`, the plugin's
 * own settings, handed to it as parsed TOML.
 */
export const PluginConfig = table({
  path: Schema.optionalKey(Str),
  permissions: withDefault(StringList, []),
  enabled: withDefault(Bool, true),
  listenerTimeout: withDefault(HumanDuration, "5s"),
  /** infrarust-ts, WebAssembly plugins: the most memory its instance may use. */
  maxMemory: withDefault(ByteSize, "64MiB"),
  /** infrarust-ts, WebAssembly plugins: how long one call may run before the plugin is stopped. */
  maxCallTime: withDefault(HumanDuration, "50ms"),
  config: withDefault(Schema.Record(Schema.String, Schema.Unknown).annotate({ expected: "a table of plugin settings" }), {})
})
export type PluginConfig = typeof PluginConfig.Type

export const PluginsConfig = Schema.Record(Schema.String, PluginConfig).annotate({ expected: "a table of plugin tables" })
