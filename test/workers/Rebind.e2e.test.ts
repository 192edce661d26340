/**
 * Live rebind with worker threads (as test/connection/Rebind.e2e.test.ts in one process):
 * changing `bind` moves every worker's socket, the new address opening before the old one
 * closes; a player relayed through the old address keeps relaying, a new player joins on the
 * new address, the old address refuses; toggling so_reuseport on the same port keeps the
 * session; an address that is taken is an error naming it, whether the coordinator's check
 * finds it (so_reuseport off) or the workers do (so_reuseport on), and the proxy stays where
 * it was.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { joinAndStay, loginOutcome } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { waitUntil } from "../support/Poll.ts"
import { freePort } from "../support/Ports.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const VERSION = "1.21.4"
const WORKERS = "worker_threads = 2\n"

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect(port, "127.0.0.1")
    socket.once("connect", () => (socket.destroy(), resolve(false)))
    socket.once("error", () => resolve(true))
  })

/** A plain listener (no SO_REUSEPORT) holding a port, closed with the test's scope. */
const blocker = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<Net.Server>((resolve) => {
      const server = Net.createServer().listen(0, "127.0.0.1", () => resolve(server))
    })
  ),
  (server) => Effect.sync(() => void server.close())
)

describe("changing bind with worker threads", () => {
  it.live("every worker moves, the live session stays, new logins use the new address, a taken address keeps the old one", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({ global: WORKERS, servers: { "mc.toml": serverToml(["play.test"], [backend.address]) } })
      assert.isTrue(proxy.logs.some((l) => l.message.includes("(2 workers)")), "two workers run")
      const player = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.test", "stayer"))
      yield* Effect.addFinalizer(() => Effect.sync(() => player.leave()))

      const next = yield* Effect.promise(freePort)
      proxy.writeGlobal(`${WORKERS}bind = "127.0.0.1:${next}"`)
      yield* waitUntil(
        () => proxy.logs.some((l) => l.message === `listening on 127.0.0.1:${next}, moved from 127.0.0.1:${proxy.port}; 1 live connection kept`),
        "the move",
        15_000
      )
      assert.isTrue(yield* Effect.promise(() => refused(proxy.port)), "no worker listens on the old address")
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("still here")), "the live session kept relaying")
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, next, "play.test", "newcomer")), "joined")
      assert.isTrue(proxy.logs.some((l) => l.message.endsWith("configuration reloaded (applied: bind)")))
      assert.isFalse(proxy.logs.some((l) => l.message.includes("restart")), "nothing says a restart is needed")

      // so_reuseport on the same port: the workers already share it, each opens a second
      // socket on it before closing its first.
      proxy.writeGlobal(`${WORKERS}bind = "127.0.0.1:${next}"\nso_reuseport = true`)
      yield* waitUntil(
        () => proxy.logs.some((l) => l.message === `listening on 127.0.0.1:${next} (so_reuseport), moved from 127.0.0.1:${next}; 1 live connection kept`),
        "the same-port move",
        15_000
      )
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("still here after the second move")))

      // Taken, with so_reuseport on: no check is possible first, the workers' binds fail.
      const taken = ((yield* blocker).address() as Net.AddressInfo).port
      proxy.writeGlobal(`${WORKERS}bind = "127.0.0.1:${taken}"\nso_reuseport = true`)
      const refusal = (l: { readonly level: string; readonly message: string }) =>
        l.level === "Error" && l.message.startsWith(`cannot listen on 127.0.0.1:${taken}:`) &&
        l.message.includes("EADDRINUSE") && l.message.endsWith(`still listening on 127.0.0.1:${next}`)
      yield* waitUntil(() => proxy.logs.filter(refusal).length === 1, "the workers' refusal", 15_000)

      // Taken, with so_reuseport off: the coordinator's check refuses before any worker moves.
      proxy.writeGlobal(`${WORKERS}bind = "127.0.0.1:${taken}"`)
      yield* waitUntil(() => proxy.logs.filter(refusal).length === 2, "the coordinator's refusal", 15_000)

      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("still here after the refusals")))
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, next, "play.test", "second")), "joined")
      assert.isTrue(yield* Effect.promise(() => refused(proxy.port)), "the first address stays closed")
    }).pipe(Effect.scoped), { timeout: 90_000 })
})
