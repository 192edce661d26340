/**
 * The admin REST API against a real proxy (one per file) with a real minecraft-protocol backend
 * and client: every endpoint of reference §2.19 with its success envelope, and the 401, 400,
 * 403, 404, 409 and 429 answers, each as Infrarust's `{"error":{"code","message"}}`.
 */
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import * as Http from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { AdminApi } from "../../src/admin/AdminApi.ts"
import { joinAndStay } from "../support/McClients.ts"
import { type McServer, startMcServer } from "../support/McPeers.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { type AdminProxy, API_KEY, call, openSse, startAdminProxy } from "./support.ts"

const VERSION = "1.20.4"
const TOGGLE = fileURLToPath(new URL("../support/plugins/toggle.ts", import.meta.url))
const RECORDER = fileURLToPath(new URL("../support/plugins/recorder.ts", import.meta.url))

let backend: McServer
let proxy: AdminProxy
const get = (path: string, options = {}) => call(proxy.admin, "GET", `/api/v1${path}`, options)
const post = (path: string, body?: unknown, options = {}) => call(proxy.admin, "POST", `/api/v1${path}`, { body, ...options })

beforeAll(async () => {
  backend = await startMcServer(VERSION, { motd: "a §aGreen§r hub" })
  proxy = await startAdminProxy({
    // Several tests log in from 127.0.0.1: the per-address login limit is not what they test.
    global: `[rate_limit]\nmax_connections = 100\n[plugins.toggle]\npath = ${JSON.stringify(TOGGLE)}\n[plugins.recorder]\npath = ${JSON.stringify(RECORDER)}\n`,
    servers: {
      "hub.toml": serverToml(["hub.test"], [backend.address]),
      "play.toml": serverToml(["play.test"], [backend.address], `proxy_mode = "offline"\nnetwork = "main"`),
      "games.toml": serverToml(["games.test"], [backend.address], `proxy_mode = "offline"\nnetwork = "main"`)
    }
  }, "[web.rate_limit]\nrequests_per_minute = 100000")
})
afterAll(async () => {
  await proxy?.close()
  await backend?.close()
})

describe("admin API", () => {
  it("health is public and unwrapped", async () => {
    const answer = await get("/health", { key: null })
    assert.strictEqual(answer.status, 200)
    assert.deepStrictEqual(answer.json, { status: "ok" })
  })

  it("401: missing header, wrong key, non-Bearer scheme; 400 for a non-ASCII header", async () => {
    const cases: Array<[Record<string, string>, string | null, number, string]> = [
      [{}, null, 401, "missing Authorization header"],
      [{}, "wrong-key-0123456789", 401, "invalid API key"],
      [{ authorization: `Basic ${API_KEY}` }, null, 401, "authorization header must use Bearer scheme"],
      [{ authorization: "Bearer caf\u00e9" }, null, 400, "authorization header must be ASCII"]
    ]
    for (const [headers, key, status, message] of cases) {
      for (const path of ["/proxy", "/players", "/bans", "/servers/hub"]) {
        const answer = await get(path, { key, headers })
        assert.strictEqual(answer.status, status, `${path} ${message}`)
        assert.deepStrictEqual(answer.json, { error: { code: status === 400 ? "BAD_REQUEST" : "UNAUTHORIZED", message } })
      }
    }
    // The event stream takes the key as ?token= (EventSource sends no headers); other routes do not.
    assert.strictEqual((await get(`/proxy?token=${API_KEY}`, { key: null })).status, 401)
  })

  it("proxy info, gc, stats, history, recent activity", async () => {
    const info = await get("/proxy")
    assert.strictEqual(info.status, 200)
    assert.strictEqual(info.json.data.bind_address, `127.0.0.1:${proxy.port}`)
    assert.strictEqual(info.json.data.servers_count, 3)
    assert.includeMembers(info.json.data.features, ["rest-api", "sse", "webui"])
    assert.match(info.headers["x-ratelimit-remaining"] as string, /^\d+$/)
    const gc = await post("/proxy/gc")
    assert.deepStrictEqual(Object.keys(gc.json.data).sort(), ["message", "success"])
    const stats = await get("/stats")
    for (const key of ["players_online", "servers_total", "servers_online", "servers_sleeping", "servers_offline", "bans_active", "uptime_seconds", "memory_rss_bytes", "players_by_server", "servers_by_state"]) {
      assert.property(stats.json.data, key)
    }
    assert.isArray((await get("/stats/history")).json.data)
    assert.isArray((await get("/events/recent")).json.data)
    // No shutdown hook in an embedded proxy: 503 with the envelope.
    const shutdown = await post("/proxy/shutdown")
    assert.strictEqual(shutdown.status, 503)
    assert.strictEqual(shutdown.json.error.code, "SERVICE_UNAVAILABLE")
  })

  it("players: a real passthrough client is listed, counted, found by name, id and UUID, refused message/send (409) and kicked", async () => {
    const player = await joinAndStay(VERSION, proxy.port, "hub.test", "Alex")
    try {
      const list = await get("/players?per_page=1&page=0")
      assert.strictEqual(list.json.meta.page, 1)
      assert.strictEqual(list.json.meta.per_page, 1)
      assert.strictEqual(list.json.meta.total, 1)
      const [alex] = list.json.data
      assert.strictEqual(alex.username, "Alex")
      assert.strictEqual(alex.server, "hub")
      assert.strictEqual(alex.mode, "passthrough")
      assert.strictEqual(alex.is_active, false)
      assert.strictEqual((await get("/players?server=other")).json.meta.total, 0)
      assert.deepStrictEqual((await get("/players/count")).json.data, { total: 1, by_server: { hub: 1 }, by_mode: { passthrough: 1 } })
      for (const key of ["alex", String(alex.id), alex.uuid]) {
        const detail = await get(`/players/${key}`)
        assert.strictEqual(detail.json.data.username, "Alex", key)
        assert.isNumber(detail.json.data.protocol_version)
      }
      const message = await post("/players/Alex/message", { text: "hi" })
      assert.strictEqual(message.status, 409)
      assert.strictEqual(message.json.error.code, "CONFLICT")
      assert.include(message.json.error.message, "passthrough")
      assert.strictEqual((await post("/players/Alex/send", { server: "hub" })).status, 409)
      assert.strictEqual((await post("/players/Alex/send", { server: "nowhere" })).status, 404)
      assert.strictEqual((await post("/players/broadcast", { text: "hello" })).json.data.details.skipped, 1)
      const kicked = await post("/players/Alex/kick", { reason: "bye" })
      assert.strictEqual(kicked.status, 200)
      assert.strictEqual(kicked.json.data.success, true)
      await player.closed
    } finally {
      player.leave()
    }
    const gone = await get("/players/Alex")
    assert.deepStrictEqual(gone.json, { error: { code: "NOT_FOUND", message: "Player 'Alex' not found" } })
    assert.strictEqual((await post("/players/Alex/kick", {})).status, 404)
  })

  it("an offline (intercepted) player reads a message and a broadcast, is sent to another server of its network (refused outside it); join, switch and leave reach the event stream", async () => {
    const stream = await openSse(proxy.admin, `/api/v1/events?token=${API_KEY}`)
    const player = await joinAndStay(VERSION, proxy.port, "play.test", "Reader")
    try {
      const join = await stream.next((e) => e.event === "player.join" && e.data?.data?.username === "Reader")
      assert.strictEqual(join.data.data.mode, "offline")
      const heard: Array<string> = []
      const listen = (p: { content?: unknown; message?: unknown }) => heard.push(JSON.stringify(p.content ?? p.message))
      ;(player.client as unknown as { on: (e: string, l: typeof listen) => void }).on("system_chat", listen)
      const message = await post("/players/Reader/message", { text: "hello from the admin" })
      assert.strictEqual(message.status, 200)
      assert.strictEqual(message.json.data.message, "Message sent to Reader")
      const broadcast = await post("/players/broadcast", { text: "restart soon" })
      assert.deepStrictEqual(
        { delivered: broadcast.json.data.details.delivered, skipped: broadcast.json.data.details.skipped },
        { delivered: 1, skipped: 0 }
      )
      await new Promise<void>((resolve) => {
        const check = () => (heard.some((h) => h.includes("restart soon")) ? resolve() : setTimeout(check, 20))
        check()
      })
      assert.isTrue(heard.some((h) => h.includes("hello from the admin")), heard.join("\n"))

      const refused = await post("/players/Reader/send", { server: "hub" })
      assert.strictEqual(refused.status, 409)
      assert.include(refused.json.error.message, "belongs to no network", "the session's own reason")
      const sent = await post("/players/Reader/send", { server: "games" })
      assert.strictEqual(sent.status, 200, JSON.stringify(sent.json))
      assert.strictEqual(sent.json.data.message, "Player 'Reader' sent to games")
      const moved = await stream.next((e) => e.event === "player.switch" && e.data?.data?.username === "Reader")
      assert.deepInclude(moved.data.data, { from: "play", to: "games" })
      assert.strictEqual((await get("/players/Reader")).json.data.server, "games")

      player.leave()
      const leave = await stream.next((e) => e.event === "player.leave" && e.data?.data?.username === "Reader")
      assert.strictEqual(leave.data.data.last_server, "games")
    } finally {
      player.leave()
      stream.close()
    }
  })

  it("servers: list, detail, live and cached health; start/stop of an unmanaged server is 409; file servers are 403", async () => {
    const list = await get("/servers")
    const hub = list.json.data.find((s: { id: string }) => s.id === "hub")
    assert.strictEqual(hub.is_api_managed, false)
    const detail = await get("/servers/hub")
    assert.deepStrictEqual(detail.json.data.limbo_handlers, [])
    assert.isArray(detail.json.data.players)
    assert.strictEqual((await get("/servers/hub/health/cached")).status, 404)
    const health = await get("/servers/hub/health")
    assert.strictEqual(health.json.data.online, true)
    assert.strictEqual(health.json.data.motd_plain, "a Green hub")
    assert.strictEqual(health.json.data.version_protocol, 765)
    assert.deepStrictEqual((await get("/servers/hub/health/cached")).json.data, health.json.data)
    for (const action of ["start", "stop"]) {
      const answer = await post(`/servers/hub/${action}`)
      assert.strictEqual(answer.status, 409)
      assert.include(answer.json.error.message, "[server_manager]")
    }
    assert.strictEqual((await get("/servers/nope")).json.error.message, "Server 'nope' not found")
    const put = await call(proxy.admin, "PUT", "/api/v1/servers/hub", { body: { domains: ["x.test"], addresses: ["127.0.0.1:1"] } })
    assert.deepStrictEqual(put.json, { error: { code: "FORBIDDEN", message: "Only API-created servers can be edited" } })
    assert.strictEqual((await call(proxy.admin, "DELETE", "/api/v1/servers/hub")).status, 403)
  })

  it("API-created servers: 201, persisted in servers.json, routed like a file's, 409 when taken, editable and deletable", async () => {
    const created = await post("/servers", { id: "lobby", domains: ["lobby.test"], addresses: [backend.address] })
    assert.strictEqual(created.status, 201)
    assert.deepStrictEqual(created.json, { data: { success: true, message: "Server 'lobby' created" } })
    const stored = JSON.parse(readFileSync(join(proxy.dir, "plugins", "admin_api", "servers.json"), "utf8"))
    assert.deepStrictEqual(stored.servers, [{ id: "lobby", domains: ["lobby.test"], addresses: [backend.address], proxy_mode: "passthrough", limbo_handlers: [] }])
    assert.strictEqual((await get("/servers/lobby")).json.data.is_api_managed, true)
    const player = await joinAndStay(VERSION, proxy.port, "lobby.test", "Lobbyist")
    player.leave()
    assert.strictEqual((await post("/servers", { id: "lobby", domains: ["l2.test"], addresses: [backend.address] })).status, 409)
    assert.strictEqual((await post("/servers", { id: "hub", domains: ["l3.test"], addresses: [backend.address] })).status, 409)
    const put = await call(proxy.admin, "PUT", "/api/v1/servers/lobby", { body: { domains: ["lobby2.test"], addresses: [backend.address] } })
    assert.strictEqual(put.status, 200)
    assert.deepStrictEqual((await get("/servers/lobby")).json.data.domains, ["lobby2.test"])
    assert.strictEqual((await call(proxy.admin, "DELETE", "/api/v1/servers/lobby")).status, 200)
    assert.strictEqual((await get("/servers/lobby")).status, 404)
    assert.strictEqual((await call(proxy.admin, "DELETE", "/api/v1/servers/lobby")).status, 404)
  })

  it("400 names the field of a bad body, query or path parameter", async () => {
    const cases: Array<[string, string, unknown, string]> = [
      ["POST", "/bans", { target: { type: "planet", value: "x" } }, "target.type"],
      ["POST", "/bans", { target: { type: "ip", value: "x" }, duration_seconds: -5 }, "duration_seconds"],
      ["POST", "/servers", { id: "ok", domains: ["a.test"] }, "addresses"],
      ["POST", "/servers", { id: "bad id!", domains: ["a.test"], addresses: ["127.0.0.1:1"] }, "id"],
      ["POST", "/servers", { id: "bad-addr", domains: ["a.test"], addresses: ["not an address"] }, "addresses"],
      ["POST", "/players/broadcast", {}, "text"]
    ]
    for (const [method, path, body, field] of cases) {
      const answer = await call(proxy.admin, method, `/api/v1${path}`, { body })
      assert.strictEqual(answer.status, 400, `${path} ${JSON.stringify(body)}: ${answer.text}`)
      assert.strictEqual(answer.json.error.code, "BAD_REQUEST")
      assert.include(answer.json.error.message, field)
    }
    const page = await get("/bans?page=abc")
    assert.strictEqual(page.status, 400)
    assert.include(page.json.error.message, "page")
    const notJson = await call(proxy.admin, "POST", "/api/v1/bans", { raw: "{not json" })
    assert.strictEqual(notJson.status, 400)
    assert.strictEqual(notJson.json.error.code, "BAD_REQUEST")
    const target = await get("/bans/check/planet/x")
    assert.strictEqual(target.status, 400)
    assert.include(target.json.error.message, "type")
    assert.strictEqual((await post("/bans", { target: { type: "ip", value: "not-an-ip" } })).status, 400)
  })

  it("bans: create (201, kicks the banned player), check, list paginated, remove, 404 when absent", async () => {
    const player = await joinAndStay(VERSION, proxy.port, "hub.test", "Griefer")
    const created = await post("/bans", { target: { type: "username", value: "griefer" }, reason: "griefing", duration_seconds: 3600 })
    assert.strictEqual(created.status, 201)
    assert.strictEqual(created.json.data.details.kicked, 1)
    await player.closed
    const check = await get("/bans/check/username/GRIEFER")
    assert.strictEqual(check.json.data.banned, true)
    assert.strictEqual(check.json.data.ban.reason, "griefing")
    assert.strictEqual(check.json.data.ban.source, "api")
    assert.strictEqual(check.json.data.ban.permanent, false)
    assert.match(check.json.data.ban.expires_in, /^(59m|1h)/)
    const list = await get("/bans")
    assert.deepStrictEqual(Object.keys(list.json.meta).sort(), ["page", "per_page", "total", "total_pages"])
    assert.isTrue(list.json.data.some((b: { target_value: string }) => b.target_value === "griefer"))
    assert.strictEqual((await call(proxy.admin, "DELETE", "/api/v1/bans/username/griefer")).status, 200)
    assert.deepStrictEqual((await get("/bans/check/username/griefer")).json.data, { banned: false, ban: null })
    const again = await call(proxy.admin, "DELETE", "/api/v1/bans/username/griefer")
    assert.strictEqual(again.status, 404)
    assert.strictEqual(again.json.error.code, "NOT_FOUND")
  })

  it("plugins: list and detail; a reloadable plugin is disabled and enabled; another answers 409 with the reason; unknown is 404", async () => {
    const list = await get("/plugins")
    assert.deepStrictEqual(list.json.data.map((p: { id: string }) => p.id).sort(), ["auth", "queue", "recorder", "server_wake", "toggle"], "the configured plugins and the built-ins")
    const lifecycle = join(proxy.dir, "plugins", "toggle", "lifecycle.log")
    assert.strictEqual((await post("/plugins/toggle/disable")).status, 200)
    assert.strictEqual((await get("/plugins/toggle")).json.data.enabled, false)
    assert.strictEqual((await post("/plugins/toggle/disable")).status, 409)
    assert.strictEqual((await post("/plugins/toggle/enable")).status, 200)
    assert.strictEqual(readFileSync(lifecycle, "utf8"), "start\nstop\nstart\n")
    const refused = await post("/plugins/recorder/disable")
    assert.strictEqual(refused.status, 409)
    assert.include(refused.json.error.message, "reloadable")
    assert.strictEqual((await post("/plugins/nope/enable")).status, 404)
    assert.strictEqual((await get("/plugins/nope")).status, 404)
  })

  it("config: providers and a real reload", async () => {
    assert.deepStrictEqual((await get("/config/providers")).json.data, [
      { provider_type: "file", configs_count: 3 },
      { provider_type: "api", configs_count: 0 }
    ])
    proxy.writeServer("extra.toml", serverToml(["extra.test"], [backend.address]))
    const reload = await post("/config/reload")
    assert.strictEqual(reload.json.data.success, true)
    assert.strictEqual(reload.json.data.details.servers, 4)
    assert.strictEqual((await get("/servers/extra")).status, 200)
  })

  it("logs: history with level and target filters, n bounded; 400 for an unknown level", async () => {
    const all = await get("/logs/history?n=1000")
    assert.isAbove(all.json.data.length, 5)
    assert.isTrue(all.json.data.some((l: { message: string }) => l.message.includes("admin API listening")))
    const warnings = await get("/logs/history?level=warn&n=1000")
    assert.isTrue(warnings.json.data.every((l: { level: string }) => ["warn", "error", "fatal"].includes(l.level)))
    assert.strictEqual((await get("/logs/history?n=2")).json.data.length, 2)
    const plugin = await get("/logs/history?target=plugin:toggle&n=1000")
    assert.isTrue(plugin.json.data.every((l: { target: string }) => l.target === "plugin:toggle"))
    assert.strictEqual((await get("/logs/history?level=loud")).status, 400)
    // The key never reaches the log.
    assert.isFalse(all.json.data.some((l: { message: string }) => l.message.includes(API_KEY)))
  })

  it("unknown routes answer the envelope", async () => {
    const answer = await get("/nope")
    assert.strictEqual(answer.status, 404)
    assert.deepStrictEqual(answer.json, { error: { code: "NOT_FOUND", message: "No route for GET /api/v1/nope" } })
  })

  it("the OpenAPI document lists every route of the definition and of reference §2.19", async () => {
    const doc = (await get("/openapi.json", { key: null })).json
    const paths = new Set<string>()
    for (const [path, methods] of Object.entries(doc.paths as Record<string, object>)) {
      for (const method of Object.keys(methods)) paths.add(`${method.toUpperCase()} ${path}`)
    }
    const defined = Object.values(AdminApi.groups).flatMap((g) =>
      Object.values(g.endpoints).map((e) => `${e.method} ${e.path.replace(/:(\w+)/g, "{$1}")}`))
    assert.deepStrictEqual([...paths].sort(), defined.sort())
    const reference = [
      "GET /health", "GET /proxy", "POST /proxy/shutdown", "POST /proxy/gc", "GET /players", "GET /players/count",
      "GET /players/{player}", "POST /players/broadcast", "POST /players/{player}/kick", "POST /players/{player}/send",
      "POST /players/{player}/message", "GET /servers", "GET /servers/{id}", "POST /servers", "PUT /servers/{id}",
      "DELETE /servers/{id}", "POST /servers/{id}/start", "POST /servers/{id}/stop", "GET /servers/{id}/health",
      "GET /servers/{id}/health/cached", "GET /bans", "GET /bans/check/{type}/{value}", "POST /bans",
      "DELETE /bans/{type}/{value}", "GET /plugins", "GET /plugins/{id}", "POST /plugins/{id}/enable",
      "POST /plugins/{id}/disable", "GET /config/providers", "POST /config/reload", "GET /stats", "GET /events/recent",
      "GET /logs/history", "GET /events", "GET /logs"
    ]
    for (const route of reference) {
      const [method, path] = route.split(" ")
      assert.isTrue(paths.has(`${method} /api/v1${path}`), route)
    }
    assert.deepStrictEqual(Object.keys(doc.components.securitySchemes), ["bearer"])
  })
})

describe("admin API limits and start-up rules", () => {
  it("429 per client: one address is limited, another is not; Retry-After and rate-limit headers", async () => {
    const limited = await startAdminProxy({}, "[web.rate_limit]\nrequests_per_minute = 3")
    try {
      for (let i = 0; i < 3; i++) assert.strictEqual((await call(limited.admin, "GET", "/api/v1/stats", { localAddress: "127.0.0.2" })).status, 200)
      const refused = await call(limited.admin, "GET", "/api/v1/stats", { localAddress: "127.0.0.2" })
      assert.strictEqual(refused.status, 429)
      assert.deepStrictEqual(refused.json, { error: { code: "RATE_LIMITED", message: "Too many requests. Please try again later." } })
      assert.match(refused.headers["retry-after"] as string, /^\d+$/)
      assert.strictEqual(refused.headers["x-ratelimit-remaining"], "0")
      // A wrong key counts too: guessing keys is limited.
      assert.strictEqual((await call(limited.admin, "GET", "/api/v1/stats", { localAddress: "127.0.0.2", key: "guess-0123456789abcd" })).status, 429)
      const other = await call(limited.admin, "GET", "/api/v1/stats", { localAddress: "127.0.0.3" })
      assert.strictEqual(other.status, 200)
      assert.strictEqual(other.headers["x-ratelimit-remaining"], "2")
    } finally {
      await limited.close()
    }
  })

  it("CORS: a listed origin gets the headers, another does not", async () => {
    const withCors = await startAdminProxy({}, `cors_origins = ["https://admin.example"]`)
    try {
      const allowed = await call(withCors.admin, "GET", "/api/v1/health", { key: null, headers: { origin: "https://admin.example" } })
      assert.strictEqual(allowed.headers["access-control-allow-origin"], "https://admin.example")
      const other = await call(withCors.admin, "GET", "/api/v1/health", { key: null, headers: { origin: "https://evil.example" } })
      assert.isUndefined(other.headers["access-control-allow-origin"])
    } finally {
      await withCors.close()
    }
  })

  it("no api_key: a key is generated and logged once; a non-loopback bind without a key refuses to start", async () => {
    const scope = Effect.runSync(Scope.make())
    try {
      const generated = await Effect.runPromise(Scope.provide(scope)(startProxy({ global: `[web]\nbind = "127.0.0.1:0"\n` })))
      const admin = await Effect.runPromise(generated.adminPort)
      const line = generated.logs.find((l) => l.message.includes("generated key"))!
      assert.strictEqual(line.level, "Warn")
      const key = /generated key: ([0-9a-f-]{36})/.exec(line.message)![1]!
      assert.strictEqual((await call(admin, "GET", "/api/v1/proxy", { key })).status, 200)
      const refused = await Effect.runPromise(Effect.exit(Effect.scoped(startProxy({ global: `[web]\nbind = "0.0.0.0:0"\n` }))))
      assert.isTrue(Exit.isFailure(refused))
      assert.include(String(Exit.isFailure(refused) ? refused.cause : ""), "web.api_key")
    } finally {
      await Effect.runPromise(Scope.close(scope, Exit.void))
    }
  })

  it("without enable_webui the dashboard is not served; the API is", async () => {
    const bare = await startAdminProxy({}, "enable_webui = false")
    try {
      assert.strictEqual((await call(bare.admin, "GET", "/", { key: null })).status, 404)
      assert.strictEqual((await call(bare.admin, "GET", "/api/v1/health", { key: null })).status, 200)
    } finally {
      await bare.close()
    }
  })
})

// Keep node:http's agent from holding sockets open between files.
afterAll(() => Http.globalAgent.destroy())
