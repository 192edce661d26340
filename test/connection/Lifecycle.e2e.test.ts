/**
 * Session lifecycle with real peers: a backend's parting kick reaches the player (half-close),
 * and SIGTERM stops the proxy process within its drain bound with exit code 0.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { joinAndStay, loginAndChat } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { freePort, waitForPort } from "../support/Ports.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { proxyProcess } from "../support/ProxyProcess.ts"

const VERSION = "1.21.4"

describe("session lifecycle", () => {
  it.live("a backend's kick message reaches the player before the connection closes", () =>
    Effect.gen(function*() {
      // Kick in play with a long reason: its bytes must all arrive before the close.
      const reason = "Closed for maintenance. ".repeat(40)
      const backend = yield* mcServer(VERSION, { onJoin: (client) => setTimeout(() => client.end(reason), 100) })
      const proxy = yield* startProxy({ servers: { "mc.toml": serverToml(["mc.example.com"], [backend.address]) } })
      const player = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "mc.example.com", "kickme"))
      // The kick's JSON, or "ended: ..." if the connection closed without it.
      const seen = yield* Effect.promise(() => player.kicked)
      assert.include(seen, reason.trim())
      yield* Effect.sleep("100 millis")
      assert.isTrue(proxy.logs.some((l) => l.message.startsWith("session ended") && l.message.includes("reason=backend_closed")))
    }), { timeout: 20_000 })

  it.live("SIGTERM: live sessions are closed within shutdown_timeout and the process exits 0", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const listen = yield* Effect.promise(freePort)
      const proc = yield* proxyProcess(`bind = "127.0.0.1:${listen}"\nworker_threads = 1\nshutdown_timeout = "1s"`, {
        servers: { "mc.toml": serverToml(["mc.example.com"], [backend.address]) }
      })
      const child = proc.child
      yield* Effect.promise(() => waitForPort(listen, 10_000))

      // A live session that would go on for ever.
      const session = yield* Effect.promise(() => joinAndStay(VERSION, listen, "mc.example.com", "stayer"))
      const ended = new Promise<number>((resolve) => session.client.once("end", () => resolve(performance.now())))
      const exited = proc.exited
      const signalledAt = performance.now()
      child.kill("SIGTERM")
      const [endedAt, code] = yield* Effect.promise(() => Promise.all([ended, exited]))
      assert.strictEqual(code, 0, proc.output())
      // Closed by the drain bound (1 s), not before the proxy tried to let it finish.
      assert.isAtLeast(endedAt - signalledAt, 900, proc.output())
      assert.isBelow(endedAt - signalledAt, 5000, proc.output())
      assert.include(proc.output(), "waiting up to 1s for 1 connection")
      assert.include(proc.output(), "session ended")
      // Once stopped, nothing is accepted any more.
      const afterwards = yield* Effect.promise(() =>
        loginAndChat(VERSION, listen, "mc.example.com", "late", { timeoutMs: 1500 }).then(() => "joined", () => "refused")
      )
      assert.strictEqual(afterwards, "refused")
    }), { timeout: 30_000 })
})
