/**
 * One backend server file, `servers/<name>.toml` (reference §1.4), plus the infrarust-ts
 * extensions for several backends per server: weighted `addresses`, `load_balancing`,
 * `[health_check]` and `motd_from`.
 *
 * The schema checks each value; {@link validateServer} checks the rules that involve several
 * keys (forwarding modes need a domain and cannot join a network) and collects warnings.
 */
import { Duration, Schema, SchemaGetter } from "effect"
import type { ConfigProblem } from "./ConfigError.ts"
import { ForwardingMode } from "./ForwardingConfig.ts"
import { IpFilterConfig } from "./GlobalTables.ts"
import { BackendAddress } from "./HostPort.ts"
import { HumanDuration } from "./HumanDuration.ts"
import { MotdConfig } from "./MotdConfig.ts"
import { ServerManagerConfig } from "./ServerManagerConfig.ts"
import {
  Bool,
  defaultTable,
  Identifier,
  integer,
  NonBlank,
  Str,
  StringList,
  table,
  U32,
  withDefault
} from "./TomlSchema.ts"

export const proxyModes = ["passthrough", "zero_copy", "client_only", "offline", "server_only", "full"] as const
export const ProxyMode = Schema.Literals(proxyModes)
export type ProxyMode = typeof ProxyMode.Type

/** Modes that relay raw bytes after the handshake: reachable only by domain, no server switching. */
export const isForwardingMode = (mode: ProxyMode): boolean =>
  mode === "passthrough" || mode === "zero_copy" || mode === "server_only"

/** infrarust-ts: how a backend is picked among `addresses`. */
export const LoadBalancing = Schema.Literals(["sequential", "random", "round_robin", "least_players", "least_connections"])
export type LoadBalancing = typeof LoadBalancing.Type

/** One backend: where it is and its share of new players (weight ≥ 1). */
export interface BackendTarget {
  readonly host: string
  readonly port: number
  readonly text: string
  readonly weight: number
}

const MAX_WEIGHT = 4_294_967_295

const BackendTargetType = Schema.Struct({
  host: Schema.String,
  port: Schema.Number,
  text: Schema.String,
  weight: Schema.Number
})

const WeightedAddressTable = table({
  address: BackendAddress,
  weight: withDefault(integer(1, MAX_WEIGHT), 1)
})

/** `"host:port"` or `{ address = "host:port", weight = 3 }`. */
const AddressEntry = Schema.Union([BackendAddress, WeightedAddressTable])
  .annotate({ expected: `an address like "10.0.0.5:25565" or a table like { address = "10.0.0.5:25565", weight = 2 }` })
  .pipe(Schema.decodeTo(BackendTargetType, {
    decode: SchemaGetter.transform((entry): BackendTarget =>
      "address" in entry ? { ...entry.address, weight: entry.weight } : { ...entry, weight: 1 }
    ),
    encode: SchemaGetter.transform((target) => ({ address: target, weight: target.weight }))
  }))

const Addresses = Schema.Array(AddressEntry).annotate({ expected: "an array of addresses" }).check(
  Schema.makeFilter((list: ReadonlyArray<unknown>) => list.length > 0 || "at least one address is required", {
    expected: "at least one address"
  })
)

export type DomainRewrite =
  | { readonly _tag: "None" }
  | { readonly _tag: "FromBackend" }
  | { readonly _tag: "Explicit"; readonly host: string }

const DomainRewriteType = Schema.Union([
  Schema.TaggedStruct("None", {}),
  Schema.TaggedStruct("FromBackend", {}),
  Schema.TaggedStruct("Explicit", { host: Schema.String })
])

/** `"none"`, `"from_backend"` or `{ explicit = "host" }`, decoded to a tagged value. */
export const DomainRewrite = Schema.Union([Schema.Literal("none"), Schema.Literal("from_backend"), table({ explicit: NonBlank })])
  .annotate({ expected: `"none", "from_backend" or a table like { explicit = "backend.internal" }` })
  .pipe(Schema.decodeTo(DomainRewriteType, {
    decode: SchemaGetter.transform((value): DomainRewrite =>
      value === "none"
        ? { _tag: "None" }
        : value === "from_backend"
        ? { _tag: "FromBackend" }
        : { _tag: "Explicit", host: value.explicit }
    ),
    encode: SchemaGetter.transform((rewrite) =>
      rewrite._tag === "None" ? "none" as const : rewrite._tag === "FromBackend" ? "from_backend" as const : { explicit: rewrite.host }
    )
  }))

/**
 * `[timeouts]`: `connect` as in Infrarust; `read`/`write` are the relay's idle limits (Infrarust
 * parses them but ignores them). The relay defaults below must stay equal to these.
 * infrarust-ts adds `first_byte`: how long a backend may take to answer the login it was sent
 * before the player is disconnected with `disconnect_message` (instead of "Logging in…" forever).
 */
export const TimeoutsConfig = table({
  connect: withDefault(HumanDuration, "5s"),
  read: withDefault(HumanDuration, "30s"),
  write: withDefault(HumanDuration, "30s"),
  firstByte: withDefault(HumanDuration, "10s")
})
export type TimeoutsConfig = typeof TimeoutsConfig.Type

/** infrarust-ts `[health_check]`: active probing that takes dead backends out of rotation. */
export const HealthCheckConfig = table({
  interval: withDefault(HumanDuration, "10s"),
  timeout: withDefault(HumanDuration, "3s"),
  /** `status`: a Minecraft status ping must answer; `tcp`: a TCP connect is enough. */
  kind: withDefault(Schema.Literals(["status", "tcp"]), "status"),
  /** Consecutive failures before a backend is marked down. */
  unhealthyAfter: withDefault(integer(1, 1000), 3),
  /** Consecutive successes before a down backend is used again. */
  healthyAfter: withDefault(integer(1, 1000), 2)
})
export type HealthCheckConfig = typeof HealthCheckConfig.Type

export const DEFAULT_DISCONNECT_MESSAGE = "Server is currently unreachable. Please try again later."

export const ServerConfig = table({
  id: Schema.optionalKey(Str),
  /** Becomes the server id when set. */
  name: Schema.optionalKey(Identifier),
  network: Schema.optionalKey(Identifier),
  domains: withDefault(Schema.Array(NonBlank).annotate({ expected: "an array of domains" }), []),
  addresses: Addresses,
  proxyMode: withDefault(ProxyMode, "passthrough"),
  /** Per-server override of `[forwarding] mode`; absent = inherit. */
  forwardingMode: Schema.optionalKey(ForwardingMode),
  sendProxyProtocol: withDefault(Bool, false),
  domainRewrite: withDefault(DomainRewrite, "none"),
  motd: defaultTable(MotdConfig),
  serverManager: Schema.optionalKey(ServerManagerConfig),
  /** Absent = connect with the global `connect_timeout`. */
  timeouts: Schema.optionalKey(TimeoutsConfig),
  maxPlayers: withDefault(U32, 0),
  ipFilter: Schema.optionalKey(IpFilterConfig),
  disconnectMessage: withDefault(Str, DEFAULT_DISCONNECT_MESSAGE),
  limboHandlers: withDefault(StringList, []),
  /**
   * infrarust-ts: where a player goes, first reachable first, when this server's backend closes or
   * crashes under it (intercepted modes; docs/switching.md). Empty = disconnect with the reason.
   */
  fallback: withDefault(Schema.Array(Identifier).annotate({ expected: "an array of server ids" }), []),
  loadBalancing: withDefault(LoadBalancing, "sequential"),
  healthCheck: Schema.optionalKey(HealthCheckConfig),
  /** infrarust-ts: which backend answers status pings: the first healthy one, or always the first. */
  motdFrom: withDefault(Schema.Literals(["first_healthy", "first"]), "first_healthy"),
  /**
   * infrarust-ts: the proxy itself runs a tiny demo backend on the first address (loopback only),
   * for a first run with nothing else installed (src/demo/DemoBackend.ts). Only the repository's
   * servers/demo.toml sets it.
   */
  demo: withDefault(Bool, false)
})
export type ServerConfig = typeof ServerConfig.Type

/** Infrarust's `effective_id`: `name`, else `id`, else the file name without `.toml`. */
export const serverId = (config: ServerConfig, fileStem: string): string => config.name ?? config.id ?? fileStem

/** The backend connect timeout for this server: its `[timeouts] connect`, else the global one. */
export const connectTimeoutOf = (config: ServerConfig, globalConnectTimeout: Duration.Duration): Duration.Duration =>
  config.timeouts?.connect ?? globalConnectTimeout

/** `[timeouts] read` / `write` of a server that has no `[timeouts]` table (the table's defaults). */
const RELAY_TIMEOUT_DEFAULT = Duration.seconds(30)

/** The relay's idle limits for this server, in milliseconds. */
export const relayTimeoutsOf = (config: ServerConfig): { readonly readTimeoutMs: number; readonly writeTimeoutMs: number } => ({
  readTimeoutMs: Duration.toMillis(config.timeouts?.read ?? RELAY_TIMEOUT_DEFAULT),
  writeTimeoutMs: Duration.toMillis(config.timeouts?.write ?? RELAY_TIMEOUT_DEFAULT)
})

/** `[timeouts] first_byte` of a server that has no `[timeouts]` table (the table's default). */
const FIRST_BYTE_DEFAULT = Duration.seconds(10)

/** How long the backend may take to answer a login it was sent (`[timeouts] first_byte`). */
export const firstByteTimeoutOf = (config: ServerConfig): Duration.Duration => config.timeouts?.firstByte ?? FIRST_BYTE_DEFAULT

export interface ServerValidation {
  readonly problems: ReadonlyArray<ConfigProblem>
  readonly warnings: ReadonlyArray<{ readonly path: string; readonly message: string }>
}

/** Rules across keys (`cfg/validation.rs`). `platform` is `process.platform` in production. */
export const validateServer = (config: ServerConfig, platform: string): ServerValidation => {
  const problems: Array<ConfigProblem> = []
  const warnings: Array<{ path: string; message: string }> = []
  const mode = config.proxyMode
  if (isForwardingMode(mode)) {
    if (config.domains.length === 0) {
      problems.push({
        path: "domains",
        reason: "Invalid",
        detail: `proxy_mode "${mode}" needs at least one domain (forwarding modes are reached only by domain)`
      })
    }
    if (config.network !== undefined) {
      problems.push({
        path: "network",
        reason: "Invalid",
        detail: `a server with proxy_mode "${mode}" cannot belong to a network (forwarding modes cannot switch servers)`
      })
    }
    if (config.fallback.length > 0) {
      problems.push({
        path: "fallback",
        reason: "Invalid",
        detail: `a server with proxy_mode "${mode}" cannot have fallback servers (forwarding modes cannot switch servers)`
      })
    }
  } else if (config.fallback.length > 0 && config.network === undefined) {
    warnings.push({
      path: "fallback",
      message: "a server without a network cannot switch its players anywhere, so its fallback servers are never used; set network"
    })
  }
  if (mode === "zero_copy" && platform !== "linux") {
    warnings.push({
      path: "proxy_mode",
      message: `"zero_copy" is only supported on Linux; on ${platform} it works like "passthrough"`
    })
  }
  return { problems, warnings }
}
