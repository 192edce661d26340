/**
 * With `worker_threads = 2`, what the workers share stays one thing: one status cache (a ping
 * flood through both workers reaches the backend once per ttl, and each worker repeats the
 * fresh reply it was given without asking again), one metrics view (every
 * worker's connections counted in the coordinator's Prometheus endpoint), one routing table
 * that follows hot reload of servers/ on every worker; and `worker_threads = 0` means one
 * worker per CPU core.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { availableParallelism } from "node:os"
import { SINGLE_PROCESS_MAX_CORES } from "../../src/workers/WorkerPlan.ts"
import { flood, rawPing, statusBackend } from "../status/support/StatusPeers.ts"
import { eventually } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { PROTOCOL } from "../support/RawClient.ts"
import { metricsPort, sample } from "./support.ts"

/** A status backend whose MOTD is `text`. */
const backendSaying = (text: string) =>
  statusBackend(() => ({ version: { name: "1.20.4", protocol: PROTOCOL }, players: { max: 20, online: 0 }, description: { text } }))

const scrape = (port: number) => Effect.promise(() => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text()))

describe("state shared by worker threads", () => {
  it.live("one status cache, one metrics endpoint, and hot reload seen by every worker", () =>
    Effect.gen(function*() {
      const a = yield* backendSaying("alpha")
      const b = yield* backendSaying("beta")
      const proxy = yield* startProxy({
        global: "worker_threads = 2\n[rate_limit]\nstatus_max = 0\n[status_cache]\nttl = \"30s\"\n[metrics]\nbind = \"127.0.0.1:0\"\n",
        servers: { "a.toml": serverToml(["a.example.com"], [`127.0.0.1:${a.port}`]) }
      })
      // 60 pings, 12 at a time, over both workers: the backend is asked once.
      const result = yield* Effect.promise(() => flood(proxy.port, "a.example.com", PROTOCOL, 60, 12))
      assert.strictEqual(result.answered, 60)
      assert.include(result.sample, "alpha")
      assert.strictEqual(a.served(), 1)

      // Every worker's connections appear in the coordinator's endpoint (a scrape asks the
      // workers for fresh numbers first, so it is exact).
      const port = metricsPort(proxy.logs)
      assert.isDefined(port)
      const text = yield* scrape(port!)
      assert.strictEqual(sample(text, "infrarust_connections_total", { outcome: "status" }), 60, text)
      assert.strictEqual(sample(text, "infrarust_status_cache_lookups_total"), 60, text)
      assert.strictEqual(sample(text, "infrarust_connections_active"), 0, text)

      // Each worker keeps the fresh reply it was given and answers the next pings itself: a
      // second flood asks the coordinator nothing.
      const asked = sample(text, "infrarust_worker_requests_total", { op: "status.respond" })
      assert.isAtLeast(asked, 1, text)
      assert.isBelow(asked, 60, text)
      const again = yield* Effect.promise(() => flood(proxy.port, "a.example.com", PROTOCOL, 60, 12))
      assert.strictEqual(again.answered, 60)
      assert.include(again.sample, "alpha")
      const after = yield* scrape(port!)
      assert.strictEqual(sample(after, "infrarust_worker_requests_total", { op: "status.respond" }), asked, after)
      assert.strictEqual(sample(after, "infrarust_status_cache_lookups_total"), 120, after)
      assert.strictEqual(a.served(), 1)

      // A server added while running: every worker routes to it (16 pings, both workers).
      proxy.writeServer("b.toml", serverToml(["b.example.com"], [`127.0.0.1:${b.port}`]))
      const allBeta = () =>
        Promise.all(Array.from({ length: 16 }, () => rawPing(proxy.port, "b.example.com", PROTOCOL).catch(() => "")))
          .then((replies) => replies.every((r) => r.includes("beta")))
      assert.isTrue(yield* Effect.promise(() => eventually(allBeta, 5000)), "b.example.com is routed by every worker")
      // And an edited one: a.example.com now goes to the other backend.
      proxy.writeServer("a.toml", serverToml(["a.example.com"], [`127.0.0.1:${b.port}`]))
      const allMoved = () =>
        Promise.all(Array.from({ length: 16 }, () => rawPing(proxy.port, "a.example.com", PROTOCOL).catch(() => "")))
          .then((replies) => replies.every((r) => r.includes("beta")))
      assert.isTrue(yield* Effect.promise(() => eventually(allMoved, 5000)), "the edit is seen by every worker")
    }), { timeout: 30_000 })

  it.live("with a status rate limit on, workers still answer fresh replies and take tokens without asking", () =>
    Effect.gen(function*() {
      const a = yield* backendSaying("limited")
      const proxy = yield* startProxy({
        global: "worker_threads = 2\n[rate_limit]\nstatus_max = 100000\n[status_cache]\nttl = \"30s\"\n[metrics]\nbind = \"127.0.0.1:0\"\n",
        servers: { "a.toml": serverToml(["a.example.com"], [`127.0.0.1:${a.port}`]) }
      })
      // Counters of the main thread are shared with the other tests of this file: deltas only.
      const port = metricsPort(proxy.logs)!
      const before = yield* scrape(port)
      const first = yield* Effect.promise(() => flood(proxy.port, "a.example.com", PROTOCOL, 40, 8))
      assert.strictEqual(first.answered, 40)
      const asked = sample(yield* scrape(port), "infrarust_worker_requests_total", { op: "status.respond" })
      const again = yield* Effect.promise(() => flood(proxy.port, "a.example.com", PROTOCOL, 40, 8))
      assert.strictEqual(again.answered, 40)
      assert.include(again.sample, "limited")
      const text = yield* scrape(port)
      assert.strictEqual(sample(text, "infrarust_worker_requests_total", { op: "status.respond" }), asked, text)
      // The buckets are in shared memory: no ping asks for its token either (nothing else was asked).
      const delta = (name: string, labels: Record<string, string> = {}) => sample(text, name, labels) - sample(before, name, labels)
      assert.strictEqual(delta("infrarust_worker_requests_total"), delta("infrarust_worker_requests_total", { op: "status.respond" }), text)
      assert.strictEqual(delta("infrarust_status_cache_lookups_total"), 80, text)
      assert.strictEqual(a.served(), 1)
    }), { timeout: 30_000 })

  it.live("worker_threads = 0 starts one worker per CPU core (one process on 2 cores or fewer)", () =>
    Effect.gen(function*() {
      const a = yield* backendSaying("zero")
      const proxy = yield* startProxy({
        global: "worker_threads = 0\n",
        servers: { "a.toml": serverToml(["a.example.com"], [`127.0.0.1:${a.port}`]) }
      })
      const cores = availableParallelism()
      if (cores <= SINGLE_PROCESS_MAX_CORES) {
        // Few cores: one process is the faster default (WorkerPlan.ts), and the log says why.
        assert.isTrue(proxy.logs.some((l) => l.message.startsWith(`worker_threads = 0 on ${cores} CPU cores: one process`)) || cores === 1)
        assert.isFalse(proxy.logs.some((l) => l.message.includes("data-plane workers share")))
      } else if (cores > 1) {
        assert.isTrue(proxy.logs.some((l) => l.message.startsWith(`worker_threads = 0: ${cores} data-plane workers (one per CPU core)`)))
        assert.isTrue(proxy.logs.some((l) => l.message.includes(`(${cores} workers)`) && l.message.startsWith("listening on")))
      } else {
        assert.isFalse(proxy.logs.some((l) => l.message.includes("data-plane workers")))
      }
      assert.include(yield* Effect.promise(() => rawPing(proxy.port, "a.example.com", PROTOCOL)), "zero")
    }), { timeout: 30_000 })
})
