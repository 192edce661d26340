/**
 * With worker threads the admin API runs in the coordinator: joins on every worker arrive on its
 * event stream, its player list shows every worker's sessions, and the log history holds the
 * workers' lines (forwarded to the coordinator when the log ring is on).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { call, openSse } from "../admin/support.ts"
import { joinAndStay, type Player } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { metricsPort, sample } from "./support.ts"

const VERSION = "1.20.4"
const KEY = "workers-admin-key-0123456789"
/** Logins until both workers served some: SO_REUSEPORT spreads by source port, so a few suffice. */
const MAX_LOGINS = 24

describe("admin API with worker threads", () => {
  it.live("joins on both workers arrive as player.join and are listed; worker log lines reach the history", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: `worker_threads = 2\n[rate_limit]\nmax_connections = 0\n[metrics]\nbind = "127.0.0.1:0"\n[web]\nbind = "127.0.0.1:0"\napi_key = "${KEY}"\n[web.rate_limit]\nrequests_per_minute = 100000`,
        servers: { "mc.toml": serverToml(["play.example.com"], [backend.address]) }
      })
      const admin = yield* proxy.adminPort
      const stream = yield* Effect.promise(() => openSse(admin, `/api/v1/events?token=${KEY}&types=player.join`))
      const logs = yield* Effect.promise(() => openSse(admin, `/api/v1/logs?token=${KEY}&target=worker:`))
      const players: Array<Player> = []
      const workers = new Set<string>()
      try {
        for (let i = 0; i < MAX_LOGINS && workers.size < 2; i++) {
          players.push(yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", `w${i}`)))
          const join = yield* Effect.promise(() => stream.next((e) => e.data.data.username === `w${i}`))
          assert.strictEqual(join.data.data.server, "mc")
          // The worker's own "session started" line, forwarded to the coordinator's log stream.
          const line = (yield* Effect.promise(() =>
            logs.next((e) => e.event === "log" && e.data.message.startsWith("session started") && e.data.fields["player"] === `w${i}`)
          )).data
          workers.add(line.fields["worker"])
        }
        assert.strictEqual(workers.size, 2, "both workers served players")
        const list = yield* Effect.promise(() => call(admin, "GET", "/api/v1/players?per_page=100", { key: KEY }))
        assert.strictEqual(list.json.meta.total, players.length)
        // The workers named these sessions and dialled the one backend without asking: the
        // coordinator counts them all the same, on the server and on its backend.
        const server = yield* Effect.promise(() => call(admin, "GET", "/api/v1/servers/mc", { key: KEY }))
        assert.strictEqual(server.json.data.player_count, players.length)
        assert.strictEqual(server.json.data.backends[0].players, players.length)
        const metrics = yield* Effect.promise(() => fetch(`http://127.0.0.1:${metricsPort(proxy.logs)}/metrics`).then((r) => r.text()))
        assert.strictEqual(sample(metrics, "infrarust_backend_players", { server: "mc" }), players.length, metrics)
        assert.strictEqual(new Set(list.json.data.map((p: { readonly id: number }) => p.id)).size, players.length, "every session has its own id")
        const history = yield* Effect.promise(() => call(admin, "GET", "/api/v1/logs/history?n=1000&target=worker:", { key: KEY }))
        assert.isAtLeast(history.json.data.length, players.length, "worker lines are kept in the history too")
      } finally {
        stream.close()
        logs.close()
        for (const p of players) p.leave()
      }
    }), 60_000)
})
