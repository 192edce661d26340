/**
 * With worker threads, plugins run in the coordinator and see the events of every worker's
 * connections: awaited ones (ServerPreConnect, whose Denied answer reaches a worker's player,
 * Disconnect) and notifications (ServerConnected).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { joinAndStay, loginExpectingKick, type Player, reasonText } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const VERSION = "1.20.4"
const plugin = (path: string) => fileURLToPath(new URL(path, import.meta.url))
/** Logins until both workers served some: SO_REUSEPORT spreads by source port, so a few suffice. */
const MAX_LOGINS = 24

describe("plugins with worker threads", () => {
  it.live("a plugin in the coordinator sees the events of connections on both workers and can deny a login on either", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: [
          "worker_threads = 2",
          "[rate_limit]\nmax_connections = 0",
          `[plugins.recorder]\npath = ${JSON.stringify(plugin("../support/plugins/recorder.ts"))}`,
          `[plugins.maintenance]\npath = ${JSON.stringify(plugin("../../examples/plugins/maintenance.ts"))}`,
          `[plugins.maintenance.config]\nallowed = ${JSON.stringify(Array.from({ length: MAX_LOGINS }, (_, i) => `p${i}`))}`
        ].join("\n"),
        servers: { "mc.toml": serverToml(["play.example.com"], [backend.address]) }
      })
      const workerOf = (player: string) =>
        proxy.logs.find((l) => l.message.startsWith("session started") && l.annotations?.["player"] === player)?.annotations?.["worker"]
      const players: Array<Player> = []
      const workers = new Set<unknown>()
      for (let i = 0; i < MAX_LOGINS && workers.size < 2; i++) {
        players.push(yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", `p${i}`)))
        yield* waitUntil(() => workerOf(`p${i}`) !== undefined, `p${i}'s session line`)
        workers.add(workerOf(`p${i}`))
      }
      assert.strictEqual(workers.size, 2, "both workers served logins")
      // Denied on whichever worker takes it: the answer of the coordinator's plugin comes back.
      for (let i = 0; i < 4; i++) {
        assert.strictEqual(reasonText(yield* Effect.promise(() => loginExpectingKick(VERSION, proxy.port, "play.example.com", `stranger${i}`))), "This server is under maintenance. Please come back later.")
      }
      for (const p of players) p.leave()
      const file = join(proxy.dir, "plugins", "recorder", "events.jsonl")
      const lines = () => (existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>) : [])
      yield* waitUntil(() => lines().filter((l) => l["tag"] === "Disconnect").length === players.length, "a Disconnect per player")
      const names = (tag: string) => lines().filter((l) => l["tag"] === tag).map((l) => l["player"] as string).sort()
      const expected = players.map((_, i) => `p${i}`).sort()
      assert.deepStrictEqual(names("Disconnect"), expected)
      assert.deepStrictEqual(names("ServerConnected"), expected)
    }), { timeout: 60_000 })
})
