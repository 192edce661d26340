/**
 * Property: whatever bytes a client sends, split however it likes, the listener survives —
 * afterwards it still answers real status pings and completes real logins, and it never
 * logged an error or a stack trace for any of it.
 *
 * Inputs are arbitrary bytes, and arbitrary bytes behind plausible openings (a valid or
 * truncated handshake, a legacy 0xFE/0x02 prefix, oversized or over-long length prefixes, a
 * PROXY signature), cut into random chunks sent with small random pauses; some connections
 * end, some reset, some stay open until the run is over. Each run comes from its own loopback
 * address; the real clients use 127.0.0.1.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import fc from "fast-check"
import * as Net from "node:net"
import { loginAndChat, ping } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { loginBytes, statusBytes } from "../support/RawClient.ts"

const VERSION = "1.20.4"
const HOST = "mc.example.com"
const RUNS = 150

const openings: ReadonlyArray<Uint8Array> = [
  new Uint8Array(0),
  statusBytes(HOST),
  loginBytes(HOST, "fuzzer"),
  loginBytes(HOST, "fuzzer").subarray(0, 9),
  Uint8Array.of(0xfe),
  Uint8Array.of(0xfe, 0x01, 0xfa),
  Uint8Array.of(0x02, 0x4a, 0x00),
  Uint8Array.of(0xff, 0xff, 0xff, 0x7f), // a frame claiming ~256 MiB
  Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x01), // a VarInt longer than 5 bytes
  Uint8Array.of(0xff, 0xff, 0x7f, 0x00), // the longest legal frame length, then silence
  new TextEncoder().encode("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"),
  Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a),
  new TextEncoder().encode("GET / HTTP/1.1\r\nHost: mc.example.com\r\n\r\n")
]

interface Attack {
  readonly bytes: Uint8Array
  /** Where the stream is cut into writes (positions into `bytes`). */
  readonly cuts: ReadonlyArray<number>
  readonly pauseMs: number
  readonly ending: "end" | "reset" | "hold"
}

const attack: fc.Arbitrary<Attack> = fc
  .record({
    opening: fc.constantFrom(...openings),
    tail: fc.uint8Array({ maxLength: 1500 }),
    cuts: fc.array(fc.nat(), { maxLength: 8 }),
    pauseMs: fc.integer({ min: 0, max: 15 }),
    ending: fc.constantFrom("end" as const, "reset" as const, "hold" as const)
  })
  .map(({ opening, tail, cuts, pauseMs, ending }) => {
    const bytes = new Uint8Array(opening.length + tail.length)
    bytes.set(opening, 0)
    bytes.set(tail, opening.length)
    const positions = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % bytes.length)))].sort((a, b) => a - b)
    return { bytes, cuts: positions, pauseMs, ending }
  })

const held: Array<Net.Socket> = []

const send = (port: number, localAddress: string, a: Attack): Promise<void> =>
  new Promise((resolve) => {
    const socket = Net.connect({ port, host: "127.0.0.1", localAddress })
    socket.on("error", () => {})
    socket.on("data", () => {})
    const bounds = [0, ...a.cuts, a.bytes.length]
    socket.once("connect", async () => {
      for (let i = 0; i + 1 < bounds.length; i++) {
        if (socket.destroyed) break
        socket.write(a.bytes.subarray(bounds[i], bounds[i + 1]))
        if (a.pauseMs > 0) await new Promise((r) => setTimeout(r, a.pauseMs))
      }
      if (a.ending === "end") socket.end()
      else if (a.ending === "reset") socket.resetAndDestroy()
      else held.push(socket)
      resolve()
    })
    socket.once("close", () => resolve())
  })

describe("hostile input", () => {
  it.live("arbitrary byte streams, split arbitrarily, never stop the proxy from serving real pings and logins", () =>
    Effect.gen(function*() {
      const mc = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        // Fuzzed logins can leave half-closed sessions behind: do not wait for them at shutdown.
        global: `shutdown_timeout = "1s"\n[limits]\nhandshake_timeout = "2s"\n`,
        servers: { "mc.toml": serverToml([HOST], [mc.address]) }
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => held.splice(0).forEach((s) => s.destroy())))
      let run = 0
      yield* Effect.promise(() =>
        fc.assert(
          fc.asyncProperty(attack, async (a) => {
            run++
            await send(proxy.port, `127.0.11.${1 + (run % 250)}`, a)
            // Every 50 runs, with everything sent so far still in flight, a real client is served.
            if (run % 50 === 0) {
              const status = await ping(VERSION, proxy.port, HOST)
              return JSON.stringify(status).includes("backend")
            }
            return true
          }),
          { numRuns: RUNS }
        )
      )
      held.splice(0).forEach((s) => s.destroy())

      const status = yield* Effect.promise(() => ping(VERSION, proxy.port, HOST))
      assert.include(JSON.stringify(status["description"]), "backend 1.20.4")
      const session = yield* Effect.promise(() => loginAndChat(VERSION, proxy.port, HOST, "survivor"))
      assert.isTrue(session.echoed)

      const loud = proxy.logs.filter((l) => l.level === "Error" || l.level === "Fatal")
      assert.deepStrictEqual(loud, [], "no error lines")
      assert.isFalse(proxy.logs.some((l) => /\n\s+at /.test(l.message)), "no stack traces")
      // Garbage is Debug; only PROXY signatures (a load-balancer mistake) are worth a warning.
      const warnings = proxy.logs.filter((l) => l.level === "Warn" && !l.message.startsWith("PROXY protocol mismatch"))
      assert.deepStrictEqual(warnings, [])
    }), { timeout: 60_000 })
})
