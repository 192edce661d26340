/**
 * The global `infrarust.toml`: every top-level key and table of Infrarust (reference §1.2-1.3)
 * with its default, plus the infrarust-ts extensions (`trusted_proxies`, `shutdown_timeout`,
 * `[limits]`, `[metrics]`, `[auth]`, `[rate_limit] ipv6_prefix`, `[status_cache] grace`).
 *
 * An empty file is a valid config: every key has a default, every optional table is absent.
 * Paths (`servers_dir`, `plugins_dir`, `[ban] file`, `[forwarding] secret_file`, favicons) are kept
 * as written here; ProxyConfigStore resolves relative ones against the config file's directory
 * (ConfigPaths.ts; Infrarust uses the working directory).
 */
import { Schema } from "effect"
import { ForwardingConfig } from "./ForwardingConfig.ts"
import {
  AuthConfig,
  BanConfig,
  DockerConfig,
  IpFilterConfig,
  KeepaliveConfig,
  LimitsConfig,
  MetricsConfig,
  PermissionsConfig,
  PluginsConfig,
  RateLimitConfig,
  StatusCacheConfig,
  WebConfig
} from "./GlobalTables.ts"
import { BindAddress } from "./HostPort.ts"
import { HumanDuration } from "./HumanDuration.ts"
import { MotdConfig } from "./MotdConfig.ts"
import { TelemetryConfig } from "./TelemetryConfig.ts"
import { Bool, CidrList, defaultTable, Str, table, U32, U64, withDefault } from "./TomlSchema.ts"

export const UnknownDomainBehavior = Schema.Literals(["default_motd", "drop"])
export type UnknownDomainBehavior = typeof UnknownDomainBehavior.Type

export const ProxyConfig = table({
  bind: withDefault(BindAddress, "0.0.0.0:25565"),
  /** Global cap on concurrent connections; 0 = unlimited. At the cap, accepting pauses. */
  maxConnections: withDefault(U32, 0),
  /** Default backend connect timeout, per address attempt. */
  connectTimeout: withDefault(HumanDuration, "5s"),
  receiveProxyProtocol: withDefault(Bool, false),
  serversDir: withDefault(Str, "./servers"),
  pluginsDir: withDefault(Str, "./plugins"),
  /** Data-plane worker threads: 0 = one per CPU core, 1 = one process (src/workers/WorkerPlan.ts). */
  workerThreads: withDefault(U64, 0),
  soReuseport: withDefault(Bool, false),
  unknownDomainBehavior: withDefault(UnknownDomainBehavior, "default_motd"),
  announceProxyCommands: withDefault(Bool, true),
  rateLimit: defaultTable(RateLimitConfig),
  statusCache: defaultTable(StatusCacheConfig),
  keepalive: defaultTable(KeepaliveConfig),
  ban: defaultTable(BanConfig),
  defaultMotd: Schema.optionalKey(MotdConfig),
  docker: Schema.optionalKey(DockerConfig),
  telemetry: Schema.optionalKey(TelemetryConfig),
  ipFilter: Schema.optionalKey(IpFilterConfig),
  forwarding: Schema.optionalKey(ForwardingConfig),
  web: Schema.optionalKey(WebConfig),
  permissions: defaultTable(PermissionsConfig),
  plugins: withDefault(PluginsConfig, {}),
  /** infrarust-ts: peers whose PROXY protocol header is believed (CIDR or bare IP). Empty = all. */
  trustedProxies: withDefault(CidrList, []),
  /** infrarust-ts: how long a changed config, server or ban file must stay unchanged before it is read (SettledRead.ts). */
  fileSettle: withDefault(HumanDuration, "1s"),
  /** infrarust-ts: how long open connections may drain after SIGTERM. */
  shutdownTimeout: withDefault(HumanDuration, "30s"),
  /** infrarust-ts: pre-routing timeouts and the pending-handshake cap. */
  limits: defaultTable(LimitsConfig),
  /** infrarust-ts: Prometheus endpoint; absent = none. */
  metrics: Schema.optionalKey(MetricsConfig),
  /** infrarust-ts: the session server `client_only` logins are checked against. */
  auth: defaultTable(AuthConfig)
})
export type ProxyConfig = typeof ProxyConfig.Type
