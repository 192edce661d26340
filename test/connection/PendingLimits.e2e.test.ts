/**
 * Half-open connections cannot lock players out (issue 20, finding 1), against the real proxy
 * with a real backend and a real minecraft-protocol player:
 *
 * - with `max_connections = 100`, 150 silent sockets from one address take at most
 *   `max_pending_per_address` places, and a player from another address joins;
 * - 120 silent sockets from 120 addresses fill `max_connections`: the oldest are closed to make
 *   room, and the player still joins;
 * - a silent socket is closed after `first_packet_timeout`, and so is one that trickles part of
 *   its handshake (slowloris); a handshake sent in pieces within the deadline is answered;
 * - one summary line says what the bounds did.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { loginOutcome } from "../support/McClients.ts"
import { statusBytes } from "../support/RawClient.ts"
import { mcServer } from "../support/McPeers.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const VERSION = "1.20.4"
const HOST = "mc.example.com"

interface Silent {
  readonly socket: Net.Socket
  closed: boolean
}

/** Opens `count` sockets that send nothing, from `addressOf(i)`. */
const silentSockets = (port: number, count: number, addressOf: (i: number) => string) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      Promise.all(Array.from({ length: count }, (_, i) =>
        new Promise<Silent>((resolve) => {
          const socket = Net.connect({ port, host: "127.0.0.1", localAddress: addressOf(i) })
          const silent: Silent = { socket, closed: false }
          socket.on("error", () => {})
          socket.once("close", () => (silent.closed = true))
          socket.once("connect", () => resolve(silent))
          socket.once("close", () => resolve(silent))
        })))
    ),
    (sockets) => Effect.sync(() => sockets.forEach((s) => s.socket.destroy()))
  )

const closedCount = (sockets: ReadonlyArray<Silent>) => sockets.filter((s) => s.closed).length

describe("pending-connection limits", () => {
  it.live("silent sockets from one address, or from many, never keep a player out of max_connections", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: `max_connections = 100\n[limits]\nfirst_packet_timeout = "60s"\nmax_pending_per_address = 16\n`,
        servers: { "mc.toml": serverToml([HOST], [backend.address]) }
      })

      // One address, 150 silent sockets: only its newest 16 stay.
      const oneAddress = yield* silentSockets(proxy.port, 150, () => "127.0.40.1")
      yield* waitUntil(() => closedCount(oneAddress) >= 134, "the address's oldest sockets to be closed", 10_000)
      assert.strictEqual(closedCount(oneAddress), 134)
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, HOST, "first")), "joined")

      // 120 more from 120 addresses: 136 half-open in all for 100 places; the oldest go.
      const many = yield* silentSockets(proxy.port, 120, (i) => `127.0.41.${i + 1}`)
      yield* waitUntil(() => closedCount(oneAddress) + closedCount(many) >= 134 + 36, "room made at max_connections", 10_000)
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, HOST, "second")), "joined")

      yield* waitUntil(() => proxy.logs.some((l) => l.message.startsWith("pending connections: closed")), "the summary line", 10_000)
      const summary = proxy.logs.filter((l) => l.message.startsWith("pending connections:"))
      assert.strictEqual(summary.length, 1, "one line, not one per connection")
      assert.strictEqual(summary[0]!.level, "Info")
      assert.include(summary[0]!.message, "over max_pending_per_address (16)")
    }), { timeout: 60_000 })

  it.live("a socket that sends nothing is closed after first_packet_timeout; one that sends is served", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: `[limits]\nfirst_packet_timeout = "1s"\n`,
        servers: { "mc.toml": serverToml([HOST], [backend.address]) }
      })
      const started = Date.now()
      const [silent] = yield* silentSockets(proxy.port, 1, () => "127.0.42.1")
      yield* waitUntil(() => silent!.closed, "the silent socket to be closed", 5000)
      const seconds = (Date.now() - started) / 1000
      assert.isAtLeast(seconds, 0.9)
      assert.isBelow(seconds, 3)
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, HOST, "prompt")), "joined")
    }), { timeout: 30_000 })

  it.live("a handshake trickled past first_packet_timeout is closed; one completed in pieces in time is answered", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: `[limits]\nfirst_packet_timeout = "1s"\n`,
        servers: { "mc.toml": serverToml([HOST], [backend.address]) }
      })
      const bytes = statusBytes(HOST)
      // Slowloris: the first two bytes of the handshake, then nothing.
      const started = Date.now()
      const [slow] = yield* silentSockets(proxy.port, 1, () => "127.0.43.1")
      slow!.socket.write(bytes.subarray(0, 2))
      yield* waitUntil(() => slow!.closed, "the trickling socket to be closed", 5000)
      assert.isAtLeast((Date.now() - started) / 1000, 0.9)
      // The same bytes in three pieces 100 ms apart, well within the deadline: a status answer.
      const [piecewise] = yield* silentSockets(proxy.port, 1, () => "127.0.43.2")
      let answer = ""
      piecewise!.socket.on("data", (chunk: Buffer) => (answer += chunk.toString("latin1")))
      const third = Math.floor(bytes.length / 3)
      for (const piece of [bytes.subarray(0, third), bytes.subarray(third, 2 * third), bytes.subarray(2 * third)]) {
        piecewise!.socket.write(piece)
        yield* Effect.sleep("100 millis")
      }
      yield* waitUntil(() => answer.includes("\"version\""), "the status answer", 5000)
    }), { timeout: 30_000 })
})
