/**
 * A login wakes a sleeping managed server (issue 14), through the real proxy with real
 * minecraft-protocol clients, the managed backend being a real process
 * (test/support/ManagedMcServer.ts) that the local provider starts: a ping shows the sleeping MOTD
 * and starts nothing; ten logins at once start it once and all get in; a start slower than
 * `login_wait` leaves the player with `starting_message` while the start goes on; a crash gives the
 * manager's text; the same in offline mode and behind two worker threads.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { readLaunches } from "../server-manager/support/Processes.ts"
import { localManaged } from "../server-manager/support/LocalManaged.ts"
import { loginOutcome, ping } from "../support/McClients.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const SCRIPT = fileURLToPath(new URL("../support/ManagedMcServer.ts", import.meta.url))
const VERSION = "1.20.4"
const HOST = "survival.test"

interface Managed {
  readonly mode?: string
  /** Arguments for the managed script (delays, crashes). */
  readonly script?: ReadonlyArray<string>
  /** Extra `[server_manager]` lines. */
  readonly settings?: string
  readonly workers?: number
}

/** A proxy whose one server is a managed script the local provider starts; how often it was launched. */
const withManaged = (o: Managed) =>
  Effect.gen(function*() {
    const { launchFile, port, table: manager } = yield* localManaged(
      SCRIPT,
      (port, launches) => ["--port", String(port), "--version", VERSION, "--launches", launches, ...(o.script ?? [])],
      [`start_timeout = "30s"`, o.settings ?? ""]
    )
    const proxy = yield* startProxy({
      // Many logins from 127.0.0.1 at once: the per-IP login limit would turn most away.
      global: `${o.workers === undefined ? "" : `worker_threads = ${o.workers}\n`}[rate_limit]\nmax_connections = 100\n`,
      servers: { "survival.toml": serverToml([HOST], [`127.0.0.1:${port}`], `proxy_mode = "${o.mode ?? "passthrough"}"\n${manager}`) }
    })
    return { proxy, launches: () => readLaunches(launchFile).servers.length }
  })

const login = (port: number, name: string, timeoutMs = 15_000) => Effect.promise(() => loginOutcome(VERSION, port, HOST, name, { timeoutMs }))

describe("a login wakes a managed server", () => {
  it.live("a ping starts nothing; ten logins at once start it once and all get in", () =>
    Effect.gen(function*() {
      const { launches, proxy } = yield* withManaged({ script: ["--ready-delay", "500"] })
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("survival") && l.message.includes("sleeping")), "the first poll", 10_000)
      const status = yield* Effect.promise(() => ping(VERSION, proxy.port, HOST))
      assert.include(JSON.stringify(status).toLowerCase(), "sleep", "the sleeping MOTD")
      assert.strictEqual(launches(), 0, "a ping never starts a server")
      const outcomes = yield* Effect.all(Array.from({ length: 10 }, (_, i) => login(proxy.port, `p${i}`)), { concurrency: "unbounded" })
      assert.deepStrictEqual(outcomes, Array(10).fill("joined"))
      assert.strictEqual(launches(), 1, "one start for ten logins")
    }), { timeout: 60_000 })

  it.live("a start slower than login_wait: the player reads starting_message, the start goes on, the next login gets in", () =>
    Effect.gen(function*() {
      const { launches, proxy } = yield* withManaged({
        script: ["--ready-delay", "2500"],
        settings: `login_wait = "500ms"\nstarting_message = "Waking the survival world, rejoin in a few seconds"`
      })
      assert.strictEqual(yield* login(proxy.port, "early"), "Waking the survival world, rejoin in a few seconds")
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("is still starting after 0.5s; early was asked to join again")), "the log line")
      yield* waitUntil(() => proxy.logs.some((l) => /survival.*online/.test(l.message)), "the server to come up", 15_000)
      assert.strictEqual(yield* login(proxy.port, "later"), "joined")
      assert.strictEqual(launches(), 1)
    }), { timeout: 60_000 })

  it.live("a start that crashes: the player reads the manager's text", () =>
    Effect.gen(function*() {
      const { proxy } = yield* withManaged({ script: ["--never-ready", "--crash-after", "300"] })
      assert.strictEqual(yield* login(proxy.port, "unlucky"), "The server could not be started. Please try again later.")
    }), { timeout: 60_000 })

  it.live("offline mode: the login waits for the start, then the proxy logs in to it", () =>
    Effect.gen(function*() {
      const { launches, proxy } = yield* withManaged({ mode: "offline", script: ["--ready-delay", "300"] })
      assert.strictEqual(yield* login(proxy.port, "alex"), "joined")
      assert.strictEqual(launches(), 1)
    }), { timeout: 60_000 })

  it.live("two worker threads: the coordinator starts it once for logins on both", () =>
    Effect.gen(function*() {
      const { launches, proxy } = yield* withManaged({ workers: 2, script: ["--ready-delay", "500"] })
      const outcomes = yield* Effect.all(Array.from({ length: 6 }, (_, i) => login(proxy.port, `w${i}`)), { concurrency: "unbounded" })
      assert.deepStrictEqual(outcomes, Array(6).fill("joined"))
      assert.strictEqual(launches(), 1)
    }), { timeout: 60_000 })
})
