/**
 * The admin REST API, defined once: every endpoint of Infrarust's admin API (reference §2.19)
 * with its path, parameters, body, answers and errors. The server (AdminHandlers*.ts) is checked
 * against it by the compiler, and `/api/v1/openapi.json` is generated from it, so the document
 * cannot drift from what is served.
 *
 * Every group but `health` sits behind {@link Guard}: the API key, the per-client rate limit,
 * and the error envelope for bodies and parameters that do not decode.
 */
import { Schema } from "effect"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "effect/http-api"
import { BadRequest, Conflict, Forbidden, NotFound, RateLimited, Unauthorized, Unavailable } from "./ApiErrors.ts"
import {
  Activity,
  Ban,
  BanCheck,
  BanInput,
  BanTargetType,
  ConfigProvider,
  Data,
  Health,
  KickInput,
  LogEntry,
  Mutation,
  Page,
  PageQuery,
  Player,
  PlayerCount,
  PlayerDetail,
  Plugin,
  ProxyInfo,
  SendInput,
  Server,
  ServerDetail,
  ServerHealth,
  ServerInput,
  ServerUpdate,
  Stats,
  StatsSample,
  TextInput
} from "./ApiModels.ts"

/**
 * `Authorization: Bearer <api_key>` (or `?token=` on the two event streams), then the client's
 * rate limit; it puts the `x-ratelimit-*` headers on every answer.
 */
export class Guard extends HttpApiMiddleware.Service<Guard>()("infrarust/admin/Guard", {
  error: [Unauthorized, RateLimited],
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/**
 * Inside the Guard: renders every error of the endpoint as the envelope, including a body or
 * parameter that does not decode (a 400 naming the field).
 */
export class Render extends HttpApiMiddleware.Service<Render>()("infrarust/admin/Render", {
  error: BadRequest
}) {}

const Created = <S extends Schema.Top>(schema: S) => schema.pipe(HttpApiSchema.status(201))
const EventStream = Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/event-stream" }))

/** `{id_or_username}`: a session id, a player name (any case) or a UUID. */
const PlayerParam = { player: Schema.String }
const IdParam = { id: Schema.String }

export class HealthGroup extends HttpApiGroup.make("health").add(
  HttpApiEndpoint.get("health", "/health", { success: Health })
) {}

export class ProxyGroup extends HttpApiGroup.make("proxy").add(
  HttpApiEndpoint.get("info", "/proxy", { success: Data(ProxyInfo) }),
  HttpApiEndpoint.post("shutdown", "/proxy/shutdown", { success: Mutation, error: Unavailable }),
  HttpApiEndpoint.post("gc", "/proxy/gc", { success: Mutation })
).middleware(Render).middleware(Guard) {}

export class PlayersGroup extends HttpApiGroup.make("players").add(
  HttpApiEndpoint.get("list", "/players", {
    query: { ...PageQuery, server: Schema.optionalKey(Schema.String), mode: Schema.optionalKey(Schema.String), search: Schema.optionalKey(Schema.String) },
    success: Page(Player)
  }),
  HttpApiEndpoint.get("count", "/players/count", { success: Data(PlayerCount) }),
  HttpApiEndpoint.get("get", "/players/:player", { params: PlayerParam, success: Data(PlayerDetail), error: NotFound }),
  HttpApiEndpoint.post("broadcast", "/players/broadcast", { payload: TextInput, success: Mutation }),
  HttpApiEndpoint.post("kick", "/players/:player/kick", { params: PlayerParam, payload: KickInput, success: Mutation, error: NotFound }),
  HttpApiEndpoint.post("send", "/players/:player/send", {
    params: PlayerParam,
    payload: SendInput,
    success: Mutation,
    error: [NotFound, Conflict]
  }),
  HttpApiEndpoint.post("message", "/players/:player/message", {
    params: PlayerParam,
    payload: TextInput,
    success: Mutation,
    error: [NotFound, Conflict]
  })
).middleware(Render).middleware(Guard) {}

export class ServersGroup extends HttpApiGroup.make("servers").add(
  HttpApiEndpoint.get("list", "/servers", { success: Data(Schema.Array(Server)) }),
  HttpApiEndpoint.get("get", "/servers/:id", { params: IdParam, success: Data(ServerDetail), error: NotFound }),
  HttpApiEndpoint.post("create", "/servers", { payload: ServerInput, success: Created(Mutation), error: [Conflict, Unavailable] }),
  HttpApiEndpoint.put("update", "/servers/:id", {
    params: IdParam,
    payload: ServerUpdate,
    success: Mutation,
    error: [NotFound, Forbidden, Unavailable]
  }),
  HttpApiEndpoint.delete("remove", "/servers/:id", { params: IdParam, success: Mutation, error: [NotFound, Forbidden, Unavailable] }),
  HttpApiEndpoint.post("start", "/servers/:id/start", { params: IdParam, success: Mutation, error: [NotFound, Conflict] }),
  HttpApiEndpoint.post("stop", "/servers/:id/stop", { params: IdParam, success: Mutation, error: [NotFound, Conflict] }),
  HttpApiEndpoint.get("health", "/servers/:id/health", { params: IdParam, success: Data(ServerHealth), error: NotFound }),
  HttpApiEndpoint.get("cachedHealth", "/servers/:id/health/cached", { params: IdParam, success: Data(ServerHealth), error: NotFound })
).middleware(Render).middleware(Guard) {}

export class BansGroup extends HttpApiGroup.make("bans").add(
  HttpApiEndpoint.get("list", "/bans", { query: PageQuery, success: Page(Ban) }),
  HttpApiEndpoint.get("check", "/bans/check/:type/:value", {
    params: { type: BanTargetType, value: Schema.String },
    success: Data(BanCheck)
  }),
  HttpApiEndpoint.post("create", "/bans", { payload: BanInput, success: Created(Mutation) }),
  HttpApiEndpoint.delete("remove", "/bans/:type/:value", {
    params: { type: BanTargetType, value: Schema.String },
    success: Mutation,
    error: NotFound
  })
).middleware(Render).middleware(Guard) {}

export class PluginsGroup extends HttpApiGroup.make("plugins").add(
  HttpApiEndpoint.get("list", "/plugins", { success: Data(Schema.Array(Plugin)) }),
  HttpApiEndpoint.get("get", "/plugins/:id", { params: IdParam, success: Data(Plugin), error: NotFound }),
  HttpApiEndpoint.post("enable", "/plugins/:id/enable", { params: IdParam, success: Mutation, error: [NotFound, Conflict] }),
  HttpApiEndpoint.post("disable", "/plugins/:id/disable", { params: IdParam, success: Mutation, error: [NotFound, Conflict] })
).middleware(Render).middleware(Guard) {}

export class ConfigGroup extends HttpApiGroup.make("config").add(
  HttpApiEndpoint.get("providers", "/config/providers", { success: Data(Schema.Array(ConfigProvider)) }),
  HttpApiEndpoint.post("reload", "/config/reload", { success: Mutation })
).middleware(Render).middleware(Guard) {}

export class StatsGroup extends HttpApiGroup.make("stats").add(
  HttpApiEndpoint.get("stats", "/stats", { success: Data(Stats) }),
  HttpApiEndpoint.get("history", "/stats/history", { success: Data(Schema.Array(StatsSample)) }),
  HttpApiEndpoint.get("recent", "/events/recent", { success: Data(Schema.Array(Activity)) }),
  HttpApiEndpoint.get("logs", "/logs/history", {
    query: { n: Schema.optionalKey(Schema.FiniteFromString), level: Schema.optionalKey(Schema.String), target: Schema.optionalKey(Schema.String) },
    success: Data(Schema.Array(LogEntry)),
    error: [Unavailable, BadRequest]
  })
).middleware(Render).middleware(Guard) {}

/** Server-sent events; the key may come as `?token=` here (EventSource cannot send headers). */
export class StreamsGroup extends HttpApiGroup.make("streams").add(
  HttpApiEndpoint.get("events", "/events", {
    query: { token: Schema.optionalKey(Schema.String), types: Schema.optionalKey(Schema.String) },
    success: EventStream
  }),
  HttpApiEndpoint.get("logs", "/logs", {
    query: { token: Schema.optionalKey(Schema.String), level: Schema.optionalKey(Schema.String), target: Schema.optionalKey(Schema.String) },
    success: EventStream,
    error: [Unavailable, BadRequest]
  })
).middleware(Render).middleware(Guard) {}

export class AdminApi extends HttpApi.make("infrarust-admin")
  .add(HealthGroup)
  .add(ProxyGroup)
  .add(PlayersGroup)
  .add(ServersGroup)
  .add(BansGroup)
  .add(PluginsGroup)
  .add(ConfigGroup)
  .add(StatsGroup)
  .add(StreamsGroup)
  .prefix("/api/v1")
  .annotateMerge(OpenApi.annotations({
    title: "infrarust-ts admin API",
    description: "Players, servers, bans, plugins, configuration, statistics, logs and live events of a running proxy."
  }))
{}
