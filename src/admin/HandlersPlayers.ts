/**
 * The player, server and ban endpoints (AdminApi.ts), on AdminActions. Bodies come decoded; a
 * refusal is an error envelope (the Guard renders it with its status).
 */
import { Clock, Duration, Effect, Option, Result } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { isForwardingMode } from "../config/ServerConfig.ts"
import { pingBackend } from "../backend/HealthProbe.ts"
import { AdminActions } from "./AdminActions.ts"
import { AdminApi } from "./AdminApi.ts"
import { notFound } from "./ApiErrors.ts"
import type { Mutation, ServerHealth } from "./ApiModels.ts"
import { AdminFeed } from "./AdminFeed.ts"
import { banView, paginate, playerView, serverOfSession, serverView } from "./Views.ts"

export const done = (message: string, details?: unknown): Mutation => ({
  data: details === undefined ? { success: true, message } : { success: true, message, details }
})

/** Budget of one live health ping (Infrarust's 5 s). */
const HEALTH_TIMEOUT = Duration.seconds(5)

const plain = (component: unknown): string => {
  if (typeof component === "string") return component.replace(/§./g, "")
  if (component === null || typeof component !== "object") return ""
  const c = component as { readonly text?: unknown; readonly extra?: ReadonlyArray<unknown> }
  return `${typeof c.text === "string" ? c.text.replace(/§./g, "") : ""}${(c.extra ?? []).map(plain).join("")}`
}

/** The fields of a status JSON the health view shows; anything malformed is left out. */
const healthFromStatus = (json: string, latency: number, checkedAt: string, backend: string): ServerHealth => {
  const parsed = Result.try(() => JSON.parse(json) as Record<string, any>)
  const body = Result.isSuccess(parsed) && parsed.success !== null && typeof parsed.success === "object" ? parsed.success : {}
  const num = (v: unknown) => (typeof v === "number" ? v : undefined)
  const sample = Array.isArray(body["players"]?.["sample"]) ? body["players"]["sample"] : []
  const view: Record<string, unknown> = {
    online: true,
    latency_ms: latency,
    motd: body["description"] ?? "",
    motd_plain: plain(body["description"] ?? ""),
    player_sample: sample.filter((p: any) => typeof p?.name === "string" && typeof p?.id === "string").map((p: any) => ({ name: p.name, id: p.id })),
    checked_at: checkedAt,
    backend
  }
  for (const [key, value] of [
    ["version_name", typeof body["version"]?.["name"] === "string" ? body["version"]["name"] : undefined],
    ["version_protocol", num(body["version"]?.["protocol"])],
    ["players_online", num(body["players"]?.["online"])],
    ["players_max", num(body["players"]?.["max"])],
    ["favicon", typeof body["favicon"] === "string" ? body["favicon"] : undefined]
  ] as const) if (value !== undefined) view[key] = value
  return view as ServerHealth
}

export const PlayersHandlers = HttpApiBuilder.group(AdminApi, "players", Effect.fn(function*(handlers) {
  const actions = yield* AdminActions
  return handlers
    .handle("list", ({ query }) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const search = query.search?.toLowerCase()
        const list = (yield* actions.players)
          .filter((s) => query.server === undefined || serverOfSession(s) === query.server)
          .filter((s) => query.mode === undefined || s.mode === query.mode)
          .filter((s) => search === undefined || s.player.toLowerCase().includes(search))
          .sort((a, b) => a.id - b.id)
        return paginate(list.map((s) => playerView(s, now)), query)
      }))
    .handle("count", () =>
      Effect.map(actions.players, (list) => {
        const byServer: Record<string, number> = {}
        const byMode: Record<string, number> = {}
        for (const s of list) {
          const server = serverOfSession(s)
          if (server !== null) byServer[server] = (byServer[server] ?? 0) + 1
          byMode[s.mode] = (byMode[s.mode] ?? 0) + 1
        }
        return { data: { total: list.length, by_server: byServer, by_mode: byMode } }
      }))
    .handle("get", ({ params }) =>
      Effect.gen(function*() {
        const s = yield* actions.findPlayer(params.player)
        return { data: { ...playerView(s, yield* Clock.currentTimeMillis), protocol_version: s.protocolVersion, remote_addr_full: s.client } }
      }))
    .handle("broadcast", ({ payload }) =>
      Effect.map(actions.broadcast(payload.text), ({ delivered, skipped }) =>
        done(`Broadcast sent to ${delivered} player(s)`, {
          delivered,
          skipped,
          ...(skipped > 0 ? { reason: "players in forwarding modes, or not in the game yet, cannot receive proxy messages" } : {})
        })))
    .handle("kick", ({ params, payload }) =>
      Effect.map(actions.kick(params.player, payload.reason), (s) =>
        done(`Player '${s.player}' kicked`, isForwardingMode(s.mode) ? { note: "forwarding mode: the connection was closed without a message" } : undefined)))
    .handle("send", ({ params, payload }) => Effect.map(actions.send(params.player, payload.server), (s) => done(`Player '${s.player}' sent to ${payload.server}`)))
    .handle("message", ({ params, payload }) => Effect.map(actions.message(params.player, payload.text), (s) => done(`Message sent to ${s.player}`)))
}))

export const ServersHandlers = HttpApiBuilder.group(AdminApi, "servers", Effect.fn(function*(handlers) {
  const actions = yield* AdminActions
  const feed = yield* AdminFeed
  return handlers
    .handle("list", () => Effect.map(actions.servers, (list) => ({ data: list.map((i) => serverView(i.server, i)) })))
    .handle("get", ({ params }) =>
      Effect.gen(function*() {
        const info = yield* actions.server(params.id)
        const now = yield* Clock.currentTimeMillis
        const players = (yield* actions.players).filter((s) => serverOfSession(s) === params.id).map((s) => playerView(s, now))
        return { data: { ...serverView(info.server, info), limbo_handlers: info.server.config.limboHandlers, players } }
      }))
    .handle("create", ({ payload }) => Effect.map(actions.createServer(payload), (s) => done(`Server '${s.id}' created`)))
    .handle("update", ({ params, payload }) =>
      Effect.map(actions.updateServer({ ...payload, id: params.id }), (s) => done(`Server '${s.id}' updated`)))
    .handle("remove", ({ params }) => Effect.as(actions.deleteServer(params.id), done(`Server '${params.id}' deleted`)))
    .handle("start", ({ params }) => Effect.map(actions.start(params.id), (m) => done(m)))
    .handle("stop", ({ params }) => Effect.map(actions.stop(params.id), (m) => done(m)))
    .handle("health", ({ params }) =>
      Effect.gen(function*() {
        const { server } = yield* actions.server(params.id)
        const started = yield* Clock.currentTimeMillis
        const checkedAt = new Date(started).toISOString()
        let last = ""
        let result: ServerHealth | undefined
        // The backends in configured order; the first that answers is the server's health.
        for (const target of server.config.addresses) {
          last = target.text
          const ping = yield* Effect.result(pingBackend(server, target, HEALTH_TIMEOUT).pipe(Effect.timeout(HEALTH_TIMEOUT)))
          if (Result.isSuccess(ping)) {
            result = healthFromStatus(ping.success, (yield* Clock.currentTimeMillis) - started, checkedAt, target.text)
            break
          }
          result = { online: false, player_sample: [], error: ping.failure.message, checked_at: checkedAt, backend: last }
        }
        const health = result ?? { online: false, player_sample: [], error: "no backend address", checked_at: checkedAt }
        feed.healthCache.set(params.id, health)
        return { data: health }
      }))
    .handle("cachedHealth", ({ params }) =>
      Effect.gen(function*() {
        yield* actions.server(params.id)
        const cached = Option.fromUndefinedOr(feed.healthCache.get(params.id))
        if (Option.isNone(cached)) return yield* Effect.fail(notFound(`No health check result for server '${params.id}' yet`))
        return { data: cached.value }
      }))
}))

export const BansHandlers = HttpApiBuilder.group(AdminApi, "bans", Effect.fn(function*(handlers) {
  const actions = yield* AdminActions
  return handlers
    .handle("list", ({ query }) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        return paginate((yield* actions.bans).map((b) => banView(b, now)), query)
      }))
    .handle("check", ({ params }) =>
      Effect.gen(function*() {
        const ban = yield* actions.findBan(params.type, params.value)
        const now = yield* Clock.currentTimeMillis
        return { data: { banned: ban !== undefined, ban: ban === undefined ? null : banView(ban, now) } }
      }))
    .handle("create", ({ payload }) =>
      Effect.gen(function*() {
        const { entry, kicked } = yield* actions.ban({
          type: payload.target.type,
          value: payload.target.value,
          reason: payload.reason,
          duration: payload.duration_seconds === undefined ? undefined : Duration.seconds(payload.duration_seconds),
          source: "api"
        })
        const now = yield* Clock.currentTimeMillis
        return done(`Banned ${entry.target.type} '${entry.target.value}'`, { ban: banView(entry, now), kicked })
      }))
    .handle("remove", ({ params }) =>
      Effect.as(actions.unban(params.type, params.value, "api"), done(`Unbanned ${params.type} '${params.value}'`)))
}))
