/**
 * Sessions relayed by worker threads, in both relays: passthrough (userspace) and zero_copy
 * (the splice addon loads in every worker), with traffic both ways, and the coordinator asked
 * only what a login must ask.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { loginAndChat } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { eventually } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { metricsPort, sample, workersOf } from "./support.ts"

const VERSION = "1.20.4"

describe("relays in worker threads", () => {
  it.live("passthrough and zero_copy sessions carry traffic both ways", () =>
    Effect.gen(function*() {
      const mc = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: "worker_threads = 2\n[metrics]\nbind = \"127.0.0.1:0\"\n",
        servers: {
          "pt.toml": serverToml(["pt.example.com"], [mc.address]),
          "zc.toml": serverToml(["zc.example.com"], [mc.address], `proxy_mode = "zero_copy"`)
        }
      })
      const [pt, zc] = yield* Effect.promise(() =>
        Promise.all([
          loginAndChat(VERSION, proxy.port, "pt.example.com", "alice"),
          loginAndChat(VERSION, proxy.port, "zc.example.com", "bob")
        ])
      )
      assert.isTrue(pt.echoed && zc.echoed)
      const ended = () => proxy.logs.filter((l) => l.message.startsWith("session ended")).length === 2
      assert.isTrue(yield* Effect.promise(() => eventually(ended)))
      assert.isAtLeast(workersOf(proxy.logs, "session ended").size, 1)
      assert.isFalse(proxy.logs.some((l) => l.message.includes("zero_copy is not available") || l.message.includes("zero_copy could not start")), "the addon runs in workers")
      assert.isTrue(proxy.logs.some((l) => /session started .*mode=zero_copy/.test(l.message)))
      // A login with no max_players to a server with one backend asks the coordinator nothing:
      // the session, its backend and its move to Playing are sent without waiting; rate limits
      // and bans are read from shared memory (Admin.e2e.test.ts shows the registry lists such
      // sessions; the coordinator still counts the backend's players).
      const text = yield* Effect.promise(() => fetch(`http://127.0.0.1:${metricsPort(proxy.logs)}/metrics`).then((r) => r.text()))
      assert.strictEqual(sample(text, "infrarust_worker_requests_total"), 0, text)
    }), { timeout: 30_000 })
})
