/**
 * The proxy, plugin, configuration, statistics, log and event-stream endpoints (AdminApi.ts).
 */
import { Clock, Context, Effect, SubscriptionRef } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import packageJson from "../../package.json" with { type: "json" }
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import type { LogRecord } from "../observability/LogRing.ts"
import { type PluginStatus, PluginHost } from "../plugin/PluginHost.ts"
import { Sessions } from "../session/Sessions.ts"
import { AdminActions } from "./AdminActions.ts"
import { AdminApi } from "./AdminApi.ts"
import { AdminFeed } from "./AdminFeed.ts"
import { badRequest, conflict, notFound, unavailable } from "./ApiErrors.ts"
import { parseTypes } from "./EventStream.ts"
import { done } from "./HandlersPlayers.ts"
import { humanDuration } from "./Views.ts"

/** What the admin API knows about the process it runs in. */
export class AdminEnv extends Context.Service<AdminEnv, {
  readonly startedAt: number
  /** The game listener's address, `host:port`. */
  readonly proxyBind: () => string
  /** Stops the proxy as SIGTERM would; absent when the embedding program does not allow it. */
  readonly requestShutdown: Effect.Effect<void> | undefined
}>()("infrarust/admin/AdminEnv") {}

const MAX_LOG_LINES = 1000

const pluginView = (p: PluginStatus) => ({
  id: p.id,
  version: p.version,
  path: p.path,
  dependencies: p.dependencies,
  enabled: p.enabled,
  can_toggle: p.reloadable
})

const logView = (r: LogRecord) => ({ timestamp: r.timestamp, level: r.level, target: r.target, message: r.message, fields: r.fields })

export const HealthHandlers = HttpApiBuilder.group(AdminApi, "health", (handlers) =>
  Effect.succeed(handlers.handle("health", () => Effect.succeed({ status: "ok" }))))

export const ProxyHandlers = HttpApiBuilder.group(AdminApi, "proxy", Effect.fn(function*(handlers) {
  const env = yield* AdminEnv
  const sessions = yield* Sessions
  const directory = yield* ServersDirectory
  const store = yield* ProxyConfigStore
  return handlers
    .handle("info", () =>
      Effect.gen(function*() {
        const uptime = (yield* Clock.currentTimeMillis) - env.startedAt
        const config = yield* SubscriptionRef.get(store.config)
        const features = ["rest-api", "sse", "server-manager", "load-balancing", "bans"]
        if (config.web?.enableWebui === true) features.push("webui")
        if (config.workerThreads !== 1) features.push("worker-threads")
        return {
          data: {
            version: packageJson.version,
            uptime_seconds: Math.floor(uptime / 1000),
            uptime_human: humanDuration(uptime),
            players_online: yield* sessions.total,
            servers_count: (yield* SubscriptionRef.get(directory.servers)).length,
            bind_address: env.proxyBind(),
            features,
            memory_rss_bytes: process.memoryUsage.rss()
          }
        }
      }))
    .handle("shutdown", () =>
      env.requestShutdown === undefined
        ? Effect.fail(unavailable("Shutdown through the API is not available in this process"))
        : Effect.as(
          Effect.andThen(Effect.logWarning("shutdown requested through the admin API"), Effect.forkDetach(Effect.delay(env.requestShutdown, "100 millis"))),
          done("Shutdown initiated")
        ))
    .handle("gc", () =>
      Effect.sync(() => {
        const gc = (globalThis as { gc?: () => void }).gc
        if (gc === undefined) return done("Garbage collection is not exposed (start node with --expose-gc); nothing done")
        gc()
        return done("Garbage collection completed")
      }))
}))

export const PluginsHandlers = HttpApiBuilder.group(AdminApi, "plugins", Effect.fn(function*(handlers) {
  const host = yield* PluginHost
  const toggle = (id: string, enable: boolean) =>
    Effect.flatMap(enable ? host.enable(id) : host.disable(id), (outcome) => {
      switch (outcome._tag) {
        case "Done":
          return Effect.succeed(done(outcome.message))
        case "NotFound":
          return Effect.fail(notFound(`Plugin '${id}' not found`))
        case "Refused":
          return Effect.fail(conflict(outcome.reason))
      }
    })
  return handlers
    .handle("list", () => Effect.map(host.status, (list) => ({ data: list.map(pluginView) })))
    .handle("get", ({ params }) =>
      Effect.flatMap(host.status, (list) => {
        const found = list.find((p) => p.id === params.id)
        return found === undefined ? Effect.fail(notFound(`Plugin '${params.id}' not found`)) : Effect.succeed({ data: pluginView(found) })
      }))
    .handle("enable", ({ params }) => toggle(params.id, true))
    .handle("disable", ({ params }) => toggle(params.id, false))
}))

export const ConfigHandlers = HttpApiBuilder.group(AdminApi, "config", Effect.fn(function*(handlers) {
  const directory = yield* ServersDirectory
  const actions = yield* AdminActions
  return handlers
    .handle("providers", () =>
      Effect.gen(function*() {
        const servers = yield* SubscriptionRef.get(directory.servers)
        const api = servers.filter((s) => s.file === "servers.json").length
        return { data: [{ provider_type: "file", configs_count: servers.length - api }, { provider_type: "api", configs_count: api }] }
      }))
    .handle("reload", () =>
      Effect.map(actions.reload, (r) =>
        done(r.configChanged ? "Configuration reloaded" : "Configuration reloaded (infrarust.toml unchanged)", {
          config_changed: r.configChanged,
          servers: r.servers
        })))
}))

export const StatsHandlers = HttpApiBuilder.group(AdminApi, "stats", Effect.fn(function*(handlers) {
  const feed = yield* AdminFeed
  return handlers
    .handle("stats", () => Effect.map(feed.stats, (data) => ({ data })))
    .handle("history", () => Effect.map(feed.history, (data) => ({ data })))
    .handle("recent", () => Effect.map(feed.recent, (data) => ({ data })))
    .handle("logs", ({ query }) =>
      Effect.gen(function*() {
        const ring = feed.logRing
        if (ring === undefined) return yield* Effect.fail(unavailable("No log buffer in this process"))
        const level = feed.levelRank(query.level ?? "trace")
        if (level === undefined) return yield* Effect.fail(badRequest(`invalid query parameter: level: unknown level "${query.level}"`))
        const n = Math.min(MAX_LOG_LINES, Math.max(1, Math.floor(query.n ?? 100)))
        const lines = ring.recent(MAX_LOG_LINES).filter((r) => feed.levelRank(r.level)! >= level && (query.target === undefined || r.target.startsWith(query.target)))
        return { data: lines.slice(-n).map(logView) }
      }))
}))

export const StreamsHandlers = HttpApiBuilder.group(AdminApi, "streams", Effect.fn(function*(handlers) {
  const feed = yield* AdminFeed
  return handlers
    .handle("events", ({ query }) => feed.events(parseTypes(query.types)))
    .handle("logs", ({ query }) =>
      Effect.gen(function*() {
        const ring = feed.logRing
        if (ring === undefined) return yield* Effect.fail(unavailable("No log buffer in this process"))
        const level = feed.levelRank(query.level ?? "info")
        if (level === undefined) return yield* Effect.fail(badRequest(`invalid query parameter: level: unknown level "${query.level}"`))
        return yield* feed.logs(ring, level, query.target)
      }))
}))
