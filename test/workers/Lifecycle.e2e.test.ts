/**
 * Worker threads over a process's life: SIGTERM makes every worker stop accepting and drain
 * its sessions within `shutdown_timeout`, and the process exits 0; a worker that crashes is
 * logged at Error, its connection slots are given back, and it is restarted.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { joinAndStay, loginOutcome } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { eventually } from "../support/Poll.ts"
import { freePort, waitForPort } from "../support/Ports.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { proxyProcess } from "../support/ProxyProcess.ts"
import { holdIdle, idleConnections } from "./support.ts"

const VERSION = "1.20.4"

const backend = mcServer(VERSION)

describe("worker threads over the process's life", () => {
  it.live("SIGTERM: every worker drains its sessions within shutdown_timeout and the process exits 0", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const listen = yield* Effect.promise(freePort)
      const proc = yield* proxyProcess(`bind = "127.0.0.1:${listen}"\nworker_threads = 2\nshutdown_timeout = "1s"`, {
        servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) }
      })
      const child = proc.child
      const output = proc.output
      yield* Effect.promise(() => waitForPort(listen, 10_000))
      assert.isTrue(yield* Effect.promise(() => eventually(() => output().includes("(2 workers)"), 5000)), output())

      const player = yield* Effect.promise(() => joinAndStay(VERSION, listen, "mc.example.com", "stayer"))
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      const signalledAt = performance.now()
      child.kill("SIGTERM")
      yield* Effect.promise(() => player.closed)
      const endedAt = performance.now()
      const code = yield* Effect.promise(() => exited)
      assert.strictEqual(code, 0, output())
      // Closed by the drain bound (1 s), not before the proxy tried to let it finish.
      assert.isAtLeast(endedAt - signalledAt, 900, output())
      assert.isBelow(endedAt - signalledAt, 5000, output())
      assert.match(output(), /waiting up to 1s for 1 connection\(s\).* worker=\d/, output())
      assert.match(output(), /session ended .*reason=.* worker=\d/, output())
      // The start-up lines come once, from the coordinator.
      assert.strictEqual(output().split("listening on").length - 1, 1, output())
      const afterwards = yield* Effect.promise(() => loginOutcome(VERSION, listen, "mc.example.com", "late", { timeoutMs: 1500 }))
      assert.notStrictEqual(afterwards, "joined")
    }), { timeout: 30_000 })

  it.live("a port already taken, even by a SO_REUSEPORT listener, fails start-up (exit 1) instead of being shared", () =>
    Effect.gen(function*() {
      const holder = yield* Effect.acquireRelease(
        Effect.promise(() =>
          new Promise<Net.Server>((resolve) => {
            const server = Net.createServer()
            server.listen({ host: "127.0.0.1", port: 0, reusePort: true }, () => resolve(server))
          })
        ),
        (server) => Effect.sync(() => server.close())
      )
      const port = (holder.address() as Net.AddressInfo).port
      const proc = yield* proxyProcess(`bind = "127.0.0.1:${port}"\nworker_threads = 2`)
      const output = proc.output
      const code = yield* Effect.promise(() => proc.exited)
      assert.strictEqual(code, 1, output())
      assert.include(output(), `cannot listen on 127.0.0.1:${port}`)
    }), { timeout: 30_000 })

  it.live("a crashed worker is logged, its connection slots are given back, and it is restarted", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const proxy = yield* startProxy({
        global: "worker_threads = 2\nmax_connections = 4\n[rate_limit]\nmax_connections = 0\n",
        servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) },
        workerEntry: new URL("./support/CrashOnce.ts", import.meta.url)
      })
      // Idle connections hold every slot while worker 0 crashes under some of them.
      const held = holdIdle(proxy.port, 4, 2500)
      const restarted = yield* Effect.promise(() => eventually(() => proxy.logs.some((l) => l.message === "worker 0 restarted"), 10_000))
      yield* Effect.promise(() => held)
      const crash = proxy.logs.find((l) => l.message.startsWith("worker 0 stopped unexpectedly"))
      assert.isDefined(crash, proxy.logs.map((l) => l.message).join("\n"))
      assert.strictEqual(crash!.level, "Error")
      assert.include(crash!.message, "boom: a bug in worker 0")
      assert.isTrue(restarted)
      // All four slots are free again (those of the dead worker were reclaimed), and both
      // workers serve.
      const allFree = () => idleConnections(proxy.port, 10, proxy.logs).then((r) => r.open === 4 && r.closed === 6)
      assert.isTrue(yield* Effect.promise(() => eventually(allFree, 8000)))
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, "mc.example.com", "after")), "joined")
    }), { timeout: 30_000 })
})
