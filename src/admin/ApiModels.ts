/**
 * The admin API's bodies, as Schemas: what every endpoint answers (inside the `{"data": …}`
 * envelope) and accepts. Field names and shapes follow Infrarust's admin API (reference §2.19);
 * fields marked "infrarust-ts" are additions. Times are ISO-8601 strings.
 *
 * Request bodies are checked here, so a bad body is a 400 that names the field.
 */
import { Schema } from "effect"
import { ProxyMode } from "../config/ServerConfig.ts"

/** `{"data": …}` */
export const Data = <S extends Schema.Top>(schema: S) => Schema.Struct({ data: schema })

export const PageMeta = Schema.Struct({
  total: Schema.Number,
  page: Schema.Number,
  per_page: Schema.Number,
  total_pages: Schema.Number
})

/** `{"data":[…],"meta":{total,page,per_page,total_pages}}` */
export const Page = <S extends Schema.Top>(item: S) => Schema.Struct({ data: Schema.Array(item), meta: PageMeta })

/** `page` (default 1, 0 becomes 1) and `per_page` (default 20, clamped to 1..100). */
export const PageQuery = {
  page: Schema.optionalKey(Schema.FiniteFromString),
  per_page: Schema.optionalKey(Schema.FiniteFromString)
}

/** `{"data":{"success":true,"message":"…","details"?}}` */
export const Mutation = Data(Schema.Struct({
  success: Schema.Boolean,
  message: Schema.String,
  details: Schema.optionalKey(Schema.Unknown)
}))
export type Mutation = typeof Mutation.Type

export const Player = Schema.Struct({
  /** The session id (what `{id_or_username}` accepts besides the name and UUID). */
  id: Schema.Number,
  username: Schema.String,
  uuid: Schema.NullOr(Schema.String),
  /** The client's address (after PROXY protocol), without the port. */
  ip: Schema.String,
  server: Schema.NullOr(Schema.String),
  /** True when the proxy reads the session's packets (intercepted modes): message and send work. */
  is_active: Schema.Boolean,
  connected_since: Schema.String,
  /** "1h 2m 3s" */
  connected_duration: Schema.String,
  /** infrarust-ts: the server's proxy mode, and the session's state (Connecting, Playing, …). */
  mode: ProxyMode,
  state: Schema.String
})
export type Player = typeof Player.Type

export const PlayerDetail = Schema.Struct({
  ...Player.fields,
  protocol_version: Schema.Number,
  remote_addr_full: Schema.String
})

export const PlayerCount = Schema.Struct({
  total: Schema.Number,
  by_server: Schema.Record(Schema.String, Schema.Number),
  by_mode: Schema.Record(Schema.String, Schema.Number)
})

export const Backend = Schema.Struct({
  address: Schema.String,
  weight: Schema.Number,
  /** `active` ([health_check]), `passive` (failed logins), `none` (sequential, no checks). */
  health_mode: Schema.String,
  healthy: Schema.Boolean,
  in_rotation: Schema.Boolean,
  failures: Schema.Number,
  last_failure: Schema.NullOr(Schema.String),
  players: Schema.Number
})

export const Server = Schema.Struct({
  id: Schema.String,
  addresses: Schema.Array(Schema.String),
  domains: Schema.Array(Schema.String),
  proxy_mode: ProxyMode,
  /** The server manager's state (`sleeping`, `starting`, `online` …); null when not managed. */
  state: Schema.NullOr(Schema.String),
  player_count: Schema.Number,
  is_api_managed: Schema.Boolean,
  has_server_manager: Schema.Boolean,
  /** infrarust-ts: `up` (a backend takes players), `down` (none does) or `unknown` (not checked). */
  health: Schema.String,
  /** infrarust-ts: every backend with its health and load. */
  backends: Schema.Array(Backend)
})
export type Server = typeof Server.Type

export const ServerDetail = Schema.Struct({
  ...Server.fields,
  limbo_handlers: Schema.Array(Schema.String),
  players: Schema.Array(Player)
})

const ServerId = Schema.String.check(
  Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/, { expected: "1-64 characters of A-Z, a-z, 0-9, _ and -" })
)
const NonEmptyStrings = (what: string) =>
  Schema.Array(Schema.String.check(Schema.isMinLength(1))).check(Schema.isMinLength(1, { expected: `at least one ${what}` }))

/** `POST /servers` and `PUT /servers/{id}`: the keys of a server file that the API may set. */
export const ServerInput = Schema.Struct({
  id: ServerId,
  domains: NonEmptyStrings("domain"),
  /** "host:port" or "[v6]:port". */
  addresses: NonEmptyStrings("address"),
  proxy_mode: Schema.optionalKey(ProxyMode),
  limbo_handlers: Schema.optionalKey(Schema.Array(Schema.String))
})
export type ServerInput = typeof ServerInput.Type

/** `PUT /servers/{id}`: the same without the id (the path names it). */
export const ServerUpdate = Schema.Struct({
  domains: NonEmptyStrings("domain"),
  addresses: NonEmptyStrings("address"),
  proxy_mode: Schema.optionalKey(ProxyMode),
  limbo_handlers: Schema.optionalKey(Schema.Array(Schema.String))
})

export const ServerHealth = Schema.Struct({
  online: Schema.Boolean,
  latency_ms: Schema.optionalKey(Schema.Number),
  /** The description as the backend sent it (a string or a text component). */
  motd: Schema.optionalKey(Schema.Unknown),
  motd_plain: Schema.optionalKey(Schema.String),
  version_name: Schema.optionalKey(Schema.String),
  version_protocol: Schema.optionalKey(Schema.Number),
  players_online: Schema.optionalKey(Schema.Number),
  players_max: Schema.optionalKey(Schema.Number),
  player_sample: Schema.Array(Schema.Struct({ name: Schema.String, id: Schema.String })),
  favicon: Schema.optionalKey(Schema.String),
  error: Schema.optionalKey(Schema.String),
  checked_at: Schema.String,
  /** infrarust-ts: the backend that answered (or the last one tried). */
  backend: Schema.optionalKey(Schema.String)
})
export type ServerHealth = typeof ServerHealth.Type

export const BanTargetType = Schema.Literals(["ip", "cidr", "username", "uuid"])

export const Ban = Schema.Struct({
  target_type: Schema.String,
  target_value: Schema.String,
  reason: Schema.NullOr(Schema.String),
  expires_at: Schema.NullOr(Schema.String),
  /** "2d 3h" until expiry; null when permanent. */
  expires_in: Schema.NullOr(Schema.String),
  created_at: Schema.String,
  source: Schema.String,
  permanent: Schema.Boolean
})
export type Ban = typeof Ban.Type

export const BanCheck = Schema.Struct({ banned: Schema.Boolean, ban: Schema.NullOr(Ban) })

export const BanInput = Schema.Struct({
  target: Schema.Struct({ type: BanTargetType, value: Schema.String.check(Schema.isMinLength(1)) }),
  reason: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(1024))),
  /** Absent: permanent. */
  duration_seconds: Schema.optionalKey(Schema.Int.check(Schema.isGreaterThan(0)))
})
export type BanInput = typeof BanInput.Type

export const TextInput = Schema.Struct({ text: Schema.String.check(Schema.isMinLength(1), Schema.isMaxLength(256)) })
export const KickInput = Schema.Struct({ reason: Schema.optionalKey(Schema.String.check(Schema.isMaxLength(256))) })
export const SendInput = Schema.Struct({ server: Schema.String.check(Schema.isMinLength(1)) })

export const Plugin = Schema.Struct({
  id: Schema.String,
  version: Schema.String,
  path: Schema.String,
  dependencies: Schema.Array(Schema.String),
  enabled: Schema.Boolean,
  /** The plugin declares it may be disabled and enabled again while the proxy runs. */
  can_toggle: Schema.Boolean
})

export const ConfigProvider = Schema.Struct({ provider_type: Schema.String, configs_count: Schema.Number })

export const ProxyInfo = Schema.Struct({
  version: Schema.String,
  uptime_seconds: Schema.Number,
  uptime_human: Schema.String,
  players_online: Schema.Number,
  servers_count: Schema.Number,
  bind_address: Schema.String,
  features: Schema.Array(Schema.String),
  memory_rss_bytes: Schema.Number
})

export const Stats = Schema.Struct({
  players_online: Schema.Number,
  servers_total: Schema.Number,
  servers_online: Schema.Number,
  servers_sleeping: Schema.Number,
  servers_offline: Schema.Number,
  bans_active: Schema.Number,
  uptime_seconds: Schema.Number,
  memory_rss_bytes: Schema.Number,
  players_by_server: Schema.Record(Schema.String, Schema.Number),
  servers_by_state: Schema.Record(Schema.String, Schema.Number)
})
export type Stats = typeof Stats.Type

/** infrarust-ts: one point of the dashboard's charts (every 5 s over the last hour). */
export const StatsSample = Schema.Struct({
  timestamp: Schema.String,
  players_online: Schema.Number,
  /** Logins that reached a backend per second, over the sample's interval. */
  connections_per_second: Schema.Number
})
export type StatsSample = typeof StatsSample.Type

export const Activity = Schema.Struct({ type: Schema.String, summary: Schema.String, timestamp: Schema.String })
export type Activity = typeof Activity.Type

export const LogEntry = Schema.Struct({
  timestamp: Schema.String,
  level: Schema.String,
  target: Schema.String,
  message: Schema.String,
  fields: Schema.Record(Schema.String, Schema.String)
})

export const Health = Schema.Struct({ status: Schema.String })
