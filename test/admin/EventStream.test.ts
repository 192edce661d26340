/**
 * The admin event and log streams (SSE) with real connections: a minecraft-protocol client's
 * join and leave in passthrough, a ban created through the API, a backend going down and up,
 * the `types=` filter, `?token=` and header authentication, the live log stream's level filter;
 * and a reader that stops reading gets a `lagged` event with the count.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { AdminActions } from "../../src/admin/AdminActions.ts"
import { AdminFeed } from "../../src/admin/AdminFeed.ts"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { Events } from "../../src/event/EventBus.ts"
import { proxyServices } from "../../src/ProxyLayer.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { joinAndStay } from "../support/McClients.ts"
import { type McServer, startMcServer } from "../support/McPeers.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { type AdminProxy, API_KEY, call, openSse } from "./support.ts"
import { startAdminProxy } from "./support.ts"

const VERSION = "1.20.4"
let backend: McServer
/** Checked every 100 ms; the test stops and restarts it on the same port. */
let flaky: McServer
let proxy: AdminProxy

beforeAll(async () => {
  backend = await startMcServer(VERSION)
  flaky = await startMcServer(VERSION)
  proxy = await startAdminProxy({
    servers: {
      "hub.toml": serverToml(["hub.test"], [backend.address]),
      "flaky.toml": serverToml(["flaky.test"], [flaky.address], "[health_check]\ninterval = \"100ms\"\ntimeout = \"500ms\"\nkind = \"tcp\"\nunhealthy_after = 1\nhealthy_after = 1")
    }
  }, "[web.rate_limit]\nrequests_per_minute = 100000")
})
afterAll(async () => {
  await proxy?.close()
  await backend?.close()
  await flaky?.close()
})

describe("event stream", () => {
  it("authenticates with ?token= or the header; anything else is 401", async () => {
    const bad = await call(proxy.admin, "GET", "/api/v1/events?token=wrong", { key: null })
    assert.strictEqual(bad.status, 401)
    assert.strictEqual(bad.json.error.message, "invalid API key")
    const byHeader = await openSse(proxy.admin, "/api/v1/events", { authorization: `Bearer ${API_KEY}` })
    assert.strictEqual(byHeader.status, 200)
    byHeader.close()
  })

  it("a passthrough join and leave arrive as player.join (with the server) and player.leave", async () => {
    const stream = await openSse(proxy.admin, `/api/v1/events?token=${API_KEY}`)
    try {
      const player = await joinAndStay(VERSION, proxy.port, "hub.test", "Streamer")
      const join = await stream.next((e) => e.event === "player.join" && e.data.data.username === "Streamer")
      assert.strictEqual(join.data.type, "PlayerJoin")
      assert.strictEqual(join.data.data.server, "hub")
      assert.strictEqual(join.data.data.mode, "passthrough")
      assert.isNumber(join.data.data.player_id)
      assert.match(join.data.data.timestamp, /^\d{4}-\d\d-\d\dT/)
      player.leave()
      const leave = await stream.next((e) => e.event === "player.leave" && e.data.data.username === "Streamer")
      assert.deepStrictEqual(
        { type: leave.data.type, last_server: leave.data.data.last_server, player_id: leave.data.data.player_id },
        { type: "PlayerLeave", last_server: "hub", player_id: join.data.data.player_id }
      )
      const recent = await call(proxy.admin, "GET", "/api/v1/events/recent")
      assert.strictEqual(recent.json.data[0].type, "player.leave")
      assert.strictEqual(recent.json.data[1].summary, "Streamer joined hub")
    } finally {
      stream.close()
    }
  })

  it("a ban through the API arrives as ban.created, its removal as ban.removed; types= filters", async () => {
    const all = await openSse(proxy.admin, `/api/v1/events?token=${API_KEY}`)
    const onlyRemovals = await openSse(proxy.admin, `/api/v1/events?token=${API_KEY}&types=ban.removed`)
    try {
      await call(proxy.admin, "POST", "/api/v1/bans", { body: { target: { type: "ip", value: "203.0.113.9" }, reason: "spam" } })
      const created = await all.next((e) => e.event === "ban.created")
      assert.deepStrictEqual({ ...created.data.data, timestamp: "" }, {
        target_type: "ip",
        target_value: "203.0.113.9",
        reason: "spam",
        expires_at: null,
        source: "api",
        timestamp: ""
      })
      await call(proxy.admin, "DELETE", "/api/v1/bans/ip/203.0.113.9")
      await all.next((e) => e.event === "ban.removed" && e.data.data.target_value === "203.0.113.9")
      await onlyRemovals.next((e) => e.event === "ban.removed")
      assert.deepStrictEqual(onlyRemovals.events.map((e) => e.event), ["ban.removed"])
    } finally {
      all.close()
      onlyRemovals.close()
    }
  })

  it("a backend going down and up arrives as server.health", async () => {
    const stream = await openSse(proxy.admin, `/api/v1/events?token=${API_KEY}&types=server.health`)
    try {
      await flaky.close()
      const down = await stream.next((e) => e.data.data.server === "flaky" && e.data.data.healthy === false)
      assert.strictEqual(down.data.type, "ServerHealth")
      assert.strictEqual(down.data.data.backend, flaky.address)
      assert.isString(down.data.data.reason)
      assert.strictEqual((await call(proxy.admin, "GET", "/api/v1/servers/flaky")).json.data.health, "down")
      flaky = await startMcServer(VERSION, { port: flaky.port })
      const up = await stream.next((e) => e.data.data.server === "flaky" && e.data.data.healthy === true)
      assert.strictEqual(up.data.data.reason, null)
      assert.strictEqual((await call(proxy.admin, "GET", "/api/v1/servers/flaky")).json.data.health, "up")
    } finally {
      stream.close()
    }
  })

  it("the log stream carries new lines at or above its level", async () => {
    const stream = await openSse(proxy.admin, `/api/v1/logs?token=${API_KEY}&level=info`)
    try {
      await call(proxy.admin, "POST", "/api/v1/bans", { body: { target: { type: "username", value: "LogMe" } } })
      const line = await stream.next((e) => e.event === "log" && e.data.message.includes("ban added: username:LogMe"))
      assert.strictEqual(line.data.level, "info")
      assert.isTrue(stream.events.every((e) => e.event !== "log" || ["info", "warn", "error", "fatal"].includes(e.data.level)))
    } finally {
      stream.close()
    }
  })
})

describe("a slow reader", () => {
  it("that stops reading loses events, counted in a lagged event, and never slows the bus", async () => {
    const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-feed-"))
    writeFileSync(join(dir, "infrarust.toml"), `servers_dir = ${JSON.stringify(join(dir, "servers"))}\n[ban]\nfile = ${JSON.stringify(join(dir, "bans.json"))}\n`)
    const services = AdminFeed.layer({ startedAt: 0 }).pipe(
      Layer.provideMerge(AdminActions.layer),
      Layer.provideMerge(proxyServices),
      Layer.provide(ProxyConfigStore.layer(join(dir, "infrarust.toml"))),
      Layer.provide(NodeFileSystem.layer)
    )
    try {
      const frames = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const feed = yield* AdminFeed
        const events = yield* Events
        const response = yield* feed.events(undefined)
        // The client reads nothing while 300 events are sent: its queue holds 256.
        for (let i = 0; i < 300; i++) {
          yield* events.notify({ _tag: "BackendHealthChange", server: "s", backend: `10.0.0.${i % 250}:25565`, healthy: i % 2 === 0, reason: undefined })
        }
        const body = response.body
        if (body._tag !== "Stream") return yield* Effect.die("not a stream")
        const text = yield* body.stream.pipe(Stream.decodeText, Stream.take(4), Stream.runCollect)
        return text.join("")
      }).pipe(Effect.provide(services), Effect.provide(captureLogs().layer))))
      const lagged = /event: lagged\ndata: (\{.*\})/.exec(frames)
      assert.isNotNull(lagged, frames)
      assert.deepStrictEqual(JSON.parse(lagged![1]!), { missed: 300 - 256 })
      // After the count, the events it kept follow in order.
      assert.include(frames, "event: server.health")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
