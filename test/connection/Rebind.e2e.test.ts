/**
 * Live rebind: changing `bind` in infrarust.toml moves the listener (the new address opens
 * before the old one closes), a player already connected keeps playing, a new player joins on
 * the new address; an address that cannot be had leaves the listener where it was; a setting
 * that needs a restart says so instead of "reloaded".
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

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = Net.connect(port, "127.0.0.1")
    socket.once("connect", () => (socket.destroy(), resolve(false)))
    socket.once("error", () => resolve(true))
  })

describe("changing bind while players are connected", () => {
  it.live("the listener moves, the live session stays, new logins use the new address", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({ servers: { "mc.toml": serverToml(["play.test"], [backend.address]) } })
      const player = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.test", "stayer"))
      yield* Effect.addFinalizer(() => Effect.sync(() => player.leave()))

      const next = yield* Effect.promise(freePort)
      proxy.writeGlobal(`bind = "127.0.0.1:${next}"`)
      yield* waitUntil(
        () => proxy.logs.some((l) => l.message === `listening on 127.0.0.1:${next}, moved from 127.0.0.1:${proxy.port}; 1 live connection kept`),
        "the move",
        10_000
      )
      assert.isTrue(yield* Effect.promise(() => refused(proxy.port)), "the old address is closed")
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("still here")), "the live session kept working")
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, next, "play.test", "newcomer")), "joined")
      assert.isTrue(proxy.logs.some((l) => l.message.endsWith("configuration reloaded (applied: bind)")))

      // The same port with so_reuseport: the old socket holds the port, so it closes first.
      proxy.writeGlobal(`bind = "127.0.0.1:${next}"\nso_reuseport = true`)
      yield* waitUntil(
        () => proxy.logs.some((l) => l.message === `listening on 127.0.0.1:${next} (so_reuseport), moved from 127.0.0.1:${next}; 1 live connection kept`),
        "the same-port move",
        10_000
      )
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("still here after the second move")))

      // An address that is taken: an error, and the proxy stays where it is.
      const blocker = Net.createServer().listen(0, "127.0.0.1")
      yield* Effect.addFinalizer(() => Effect.sync(() => blocker.close()))
      yield* Effect.promise(() => new Promise((r) => blocker.once("listening", r)))
      const taken = (blocker.address() as Net.AddressInfo).port
      proxy.writeGlobal(`bind = "127.0.0.1:${taken}"\nso_reuseport = true`)
      yield* waitUntil(
        () => proxy.logs.some((l) => l.level === "Error" && l.message.startsWith(`cannot listen on 127.0.0.1:${taken}:`) && l.message.endsWith(`still listening on 127.0.0.1:${next}`)),
        "the refusal",
        10_000
      )
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, next, "play.test", "second")), "joined")
    }).pipe(Effect.scoped), { timeout: 60_000 })

  it.live("a setting read only at start-up is reported as needing a restart, not as reloaded", () =>
    Effect.gen(function*() {
      const proxy = yield* startProxy({})
      proxy.writeGlobal(`worker_threads = 4\n[rate_limit]\nmax_connections = 9`)
      yield* waitUntil(
        () => proxy.logs.some((l) =>
          l.level === "Warn" &&
          l.message.endsWith("infrarust.toml: configuration partly reloaded (applied: [rate_limit]): worker_threads changed but needs a restart to apply (still running with the old value)")
        ),
        "the reload line",
        10_000
      )
    }).pipe(Effect.scoped), { timeout: 30_000 })
})
