/**
 * The admin HTTP server on `[web] bind`: the REST API (AdminApi.ts) with its generated
 * `/api/v1/openapi.json`, the event and log streams, and the dashboard when `enable_webui`.
 * Present only when infrarust.toml has a `[web]` table (Infrarust's rule).
 *
 * - The key: `[web] api_key`, or (absent, empty or "CHANGE-ME") a random one generated at
 *   start-up and logged once at WARN so the operator can use it; it is not saved. A bind that
 *   is not loopback with no configured key refuses to start: a generated key in a log file is
 *   not a secret for a port the network can reach.
 * - Requests are not logged (a `?token=` URL would put the key in the log).
 * - `cors_origins`: those origins, exactly, get CORS headers; none = no CORS headers at all.
 * - `[web]` is read at start-up; changing it takes a restart.
 */
import { NodeHttpServer } from "@effect/platform-node"
import { Clock, Effect, Layer, SubscriptionRef } from "effect"
import { HttpMiddleware, HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { randomUUID } from "node:crypto"
import { createServer } from "node:http"
import { fileError } from "../config/ConfigError.ts"
import type { WebConfig } from "../config/GlobalTables.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import type { LogRing } from "../observability/LogRing.ts"
import { AdminApi } from "./AdminApi.ts"
import { AdminFeed } from "./AdminFeed.ts"
import { envelope } from "./ApiErrors.ts"
import { dashboardRoutes } from "./Dashboard.ts"
import { guardLayer, renderLayer } from "./GuardLive.ts"
import { BansHandlers, PlayersHandlers, ServersHandlers } from "./HandlersPlayers.ts"
import { AdminEnv, ConfigHandlers, HealthHandlers, PluginsHandlers, ProxyHandlers, StatsHandlers, StreamsHandlers } from "./HandlersSystem.ts"

export interface AdminOptions {
  /** The game listener's address, for `GET /proxy`. */
  readonly proxyBind: () => string
  readonly logRing?: LogRing | undefined
  readonly requestShutdown?: Effect.Effect<void> | undefined
  /** Called once the admin server listens (tests learn its port this way). */
  readonly onListening?: ((address: { readonly host: string; readonly port: number }) => void) | undefined
}

const PLACEHOLDER_KEY = "CHANGE-ME"

const isLoopback = (host: string): boolean => host === "localhost" || host === "::1" || /^127\./.test(host)

/** The key in force; fails (a ConfigError, exit code 2) for a reachable bind with no key. */
const resolveKey = (web: WebConfig, configPath: string) =>
  Effect.gen(function*() {
    const configured = web.apiKey
    if (configured !== undefined && configured !== "" && configured !== PLACEHOLDER_KEY) return configured
    if (!isLoopback(web.bind.host)) {
      return yield* Effect.fail(fileError(
        configPath,
        "Invalid",
        `the admin API binds ${web.bind.host}, which is not a loopback address, and has no api_key; set one (16+ characters) or bind 127.0.0.1`,
        "web.api_key"
      ))
    }
    const generated = randomUUID()
    yield* Effect.logWarning(`No API key configured — generated key: ${generated} (it changes at every start; set [web] api_key to keep one)`)
    return generated
  })

const corsLayer = (origins: ReadonlyArray<string>) =>
  origins.length === 0 ? Layer.empty : HttpRouter.middleware(HttpMiddleware.cors({
    allowedOrigins: (origin: string) => origins.includes(origin),
    allowedMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    allowedHeaders: ["authorization", "content-type", "accept"],
    exposedHeaders: ["x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after"]
  }), { global: true })

/** Unknown API paths answer the envelope, not an empty 404. */
const apiNotFound = HttpRouter.add("*", "/api/*", (request) =>
  Effect.succeed(HttpServerResponse.jsonUnsafe(envelope("NOT_FOUND", `No route for ${request.method} ${new URL(request.url, "http://admin").pathname}`), { status: 404 })))

const serverFor = (web: WebConfig, apiKey: string, options: AdminOptions) => {
  const handlers = Layer.mergeAll(
    HealthHandlers,
    ProxyHandlers,
    PlayersHandlers,
    ServersHandlers,
    BansHandlers,
    PluginsHandlers,
    ConfigHandlers,
    StatsHandlers,
    StreamsHandlers
  )
  const api = HttpApiBuilder.layer(AdminApi, { openapiPath: "/api/v1/openapi.json" }).pipe(
    Layer.provide(handlers),
    Layer.provide(Layer.merge(guardLayer(apiKey), renderLayer))
  )
  const routes = Layer.mergeAll(api, apiNotFound, web.enableWebui ? dashboardRoutes : Layer.empty, corsLayer(web.corsOrigins))
  const http = NodeHttpServer.layer(createServer, { host: web.bind.host, port: web.bind.port })
  const announce = Layer.effectDiscard(Effect.gen(function*() {
    const server = yield* HttpServer.HttpServer
    const port = server.address._tag !== "UnixPathAddress" ? server.address.port : web.bind.port
    yield* Effect.logInfo(`admin API listening on http://${web.bind.host.includes(":") ? `[${web.bind.host}]` : web.bind.host}:${port}` +
      (web.enableWebui ? " (dashboard at /)" : ""))
    options.onListening?.({ host: web.bind.host, port })
  }))
  return Layer.mergeAll(HttpRouter.serve(routes, { disableLogger: true, disableListenLog: true }), announce).pipe(Layer.provide(http))
}

/**
 * The admin server when `[web]` is present, else nothing. Needs the control plane's services and
 * AdminActions (which the console shares).
 */
export const AdminLayer = (options: AdminOptions) =>
  Layer.unwrap(Effect.gen(function*() {
    const store = yield* ProxyConfigStore
    const web = (yield* SubscriptionRef.get(store.config)).web
    if (web === undefined) return Layer.empty
    const apiKey = yield* resolveKey(web, store.path)
    const startedAt = yield* Clock.currentTimeMillis
    const env = Layer.succeed(AdminEnv, AdminEnv.of({ startedAt, proxyBind: options.proxyBind, requestShutdown: options.requestShutdown }))
    // Built outside `serve` (whose layers are private to it): one feed for every request.
    const state = AdminFeed.layer({ logRing: options.logRing, startedAt })
    return serverFor(web, apiKey, options).pipe(Layer.provide(Layer.merge(env, state)))
  }))
