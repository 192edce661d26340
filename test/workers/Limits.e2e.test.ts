/**
 * Limits stay exact with `worker_threads = 2`, however the kernel spreads connections over the
 * two workers (SO_REUSEPORT): the global `max_connections`, the per-IP login bucket,
 * `max_players`, and bans (a hand edit of bans.json refuses the player on every worker).
 * Real sockets on 127.0.0.1, a real minecraft-protocol backend, the in-process proxy with its
 * worker threads; each test also checks that both workers took part (their log lines).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { mcServer } from "../support/McPeers.ts"
import { loginOutcome } from "../support/McClients.ts"
import { eventually } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { disconnectText, exchange, loginBytes, PROTOCOL, rawLoginStorm } from "../support/RawClient.ts"
import { idleConnections, workersOf } from "./support.ts"

const VERSION = "1.20.4"

const backend = mcServer(VERSION)

/** `n` raw logins at once as `name(i)`; what each got back: a kick text, or "served". */
const loginRace = (port: number, host: string, n: number, name: (i: number) => string) =>
  Effect.promise(() =>
    Promise.all(
      Array.from({ length: n }, (_, i) =>
        exchange(port, loginBytes(host, name(i)), { timeoutMs: 1500 }).then((r) =>
          r.received.length === 0 ? "nothing" : disconnectText(r.received) ?? "served"
        )
      )
    )
  )

describe("limits across worker threads", () => {
  it.live("max_connections is one cap for all workers, its slots come back, and both workers serve", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const proxy = yield* startProxy({
        global: "worker_threads = 2\nmax_connections = 4\n[rate_limit]\nmax_connections = 0\n",
        servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) }
      })
      // 10 at once: exactly 4 are kept (waiting for their handshake), 6 closed at once.
      assert.deepStrictEqual(yield* Effect.promise(() => idleConnections(proxy.port, 10, proxy.logs)), { closed: 6, open: 4 })
      // Their slots were given back: the same again, not fewer.
      assert.deepStrictEqual(yield* Effect.promise(() => idleConnections(proxy.port, 10, proxy.logs)), { closed: 6, open: 4 })
      // 24 logins, one at a time: the kernel spreads them over both workers (SO_REUSEPORT hashes
      // each connection). One at a time, so that a worker slow to see the last sessions' sockets
      // close (the suite runs files in parallel) still has slots: at the cap, a login in its
      // handshake would be closed to make room.
      yield* Effect.promise(() => rawLoginStorm(PROTOCOL, proxy.port, "mc.example.com", 24, 1))
      const both = yield* Effect.promise(() => eventually(() => workersOf(proxy.logs, "session started").size === 2))
      assert.isTrue(both, `sessions on workers ${[...workersOf(proxy.logs, "session started")]}`)
    }), { timeout: 30_000 })

  it.live("the per-IP login bucket is shared: 3 of 16 rapid logins pass, whichever worker gets them", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const proxy = yield* startProxy({
        global: "worker_threads = 2\n[rate_limit]\nmax_connections = 3\nwindow = \"1m\"\n",
        servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) }
      })
      const outcomes = yield* loginRace(proxy.port, "mc.example.com", 16, (i) => `rapid${i}`)
      assert.strictEqual(outcomes.filter((o) => o === "served").length, 3, outcomes.join(" | "))
      assert.strictEqual(outcomes.filter((o) => o.startsWith("Too many connection attempts")).length, 13, outcomes.join(" | "))
      const seen = () => new Set([...workersOf(proxy.logs, "login rate limited"), ...workersOf(proxy.logs, "session started")])
      assert.isTrue(yield* Effect.promise(() => eventually(() => seen().size === 2)), `workers ${[...seen()]}`)
    }), { timeout: 30_000 })

  it.live("max_players: of 8 logins racing for the last slot on two workers exactly one wins; a ban edited into bans.json refuses the player on every worker", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "infrarust-ts-workers-bans-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      const bans = join(dir, "bans.json")
      const proxy = yield* startProxy({
        global: `worker_threads = 2\n[rate_limit]\nmax_connections = 0\n[ban]\nfile = ${JSON.stringify(bans)}\n`,
        servers: {
          "full.toml": serverToml(["full.example.com"], [mc.address], "max_players = 1"),
          "mc.toml": serverToml(["mc.example.com"], [mc.address])
        }
      })
      const race = yield* loginRace(proxy.port, "full.example.com", 8, (i) => `racer${i}`)
      assert.strictEqual(race.filter((o) => o === "served").length, 1, race.join(" | "))
      assert.strictEqual(race.filter((o) => o.startsWith("This server is full")).length, 7, race.join(" | "))

      writeFileSync(bans, JSON.stringify({
        bans: [{ target: { type: "username", value: "villain" }, reason: "cheating", expires_at: null, created_at: 0, source: "test" }]
      }))
      assert.isTrue(yield* Effect.promise(() => eventually(() => proxy.logs.some((l) => l.message.includes("was edited: 1 ban(s) added")))))
      const refused = yield* loginRace(proxy.port, "mc.example.com", 16, () => "villain")
      assert.isTrue(refused.every((o) => o.includes("cheating")), refused.join(" | "))
      const seen = () => workersOf(proxy.logs, "banned player refused")
      assert.isTrue(yield* Effect.promise(() => eventually(() => seen().size === 2)), `workers ${[...seen()]}`)
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, "mc.example.com", "hero")), "joined")
    }), { timeout: 30_000 })
})
