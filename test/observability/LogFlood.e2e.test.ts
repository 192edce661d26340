/**
 * What an attacker can write into the proxy's log, against the real process (`src/main.ts`):
 *
 * - a handshake host with a newline, CR, ESC and BEL reaches the text log escaped, and no line
 *   it produces can pass for a log line of its own;
 * - 5,000 distinct source addresses (127.x.y.z on loopback) sending unknown-domain logins, and
 *   5,000 more sending PROXY headers while receive_proxy_protocol is off, produce a bounded
 *   number of lines at Info and above (the throttle counts them by kind, not by address).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { eventually } from "../support/Poll.ts"
import { proxyProcess } from "../support/ProxyProcess.ts"
import { loginBytes } from "../support/RawClient.ts"

const SOURCES = 5000

/** The i-th of many loopback source addresses (Linux routes all of 127/8 to lo). */
export const sourceAddress = (i: number, block: number): string =>
  `127.${block}.${1 + Math.floor(i / 250)}.${1 + (i % 250)}`

/** Sends `bytes` from `localAddress`, then waits for the proxy to close (bounded). */
const sendFrom = (port: number, localAddress: string, bytes: Uint8Array, timeoutMs = 3000): Promise<void> =>
  new Promise((resolve) => {
    const socket = Net.connect({ port, host: "127.0.0.1", localAddress })
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve()
    }
    const timer = setTimeout(done, timeoutMs)
    socket.on("error", done)
    // A kick is all the proxy has to say: hang up once it arrives.
    socket.on("data", done)
    socket.once("connect", () => socket.write(bytes))
    socket.once("close", done)
  })

const pool = async (count: number, concurrency: number, task: (i: number) => Promise<void>) => {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await task(next++)
  }))
}

const PROXY_V1 = Buffer.from("PROXY TCP4 203.0.113.9 198.51.100.1 40000 25565\r\n")

describe("log injection and log floods", () => {
  it.live("a host with a newline, CR, ESC and BEL is escaped in the text log", () =>
    Effect.gen(function*() {
      const proc = yield* proxyProcess("")
      const port = yield* Effect.promise(() => proc.port())
      const host = "evil\n2026-01-01T00:00:00.000Z INFO  forged line\r\u001b[2K\u0007.example.com"
      yield* Effect.promise(() => sendFrom(port, "127.0.0.1", loginBytes(host, "mallory")))
      assert.isTrue(yield* Effect.promise(() => eventually(() => proc.output().includes("unknown domain"))), proc.output())
      const out = proc.output()
      assert.notMatch(out, /[\r\u001b\u0007]/, "no raw CR, ESC or BEL")
      // (Hosts are routed in lower case, and cut to 64 characters in logs.)
      assert.include(out, "'evil\\n2026-01-01t00:00:00.000z info  forged line\\r\\x1b[2k\\x07.example.co…' refused")
      assert.isFalse(proc.stdout.some((line) => /^2026-01-01/i.test(line)), "no forged line")
    }), { timeout: 20_000 })

  it.live("5,000 addresses of unknown-domain logins and 5,000 of PROXY headers: a bounded number of log lines", () =>
    Effect.gen(function*() {
      const proc = yield* proxyProcess("", { cliArgs: ["--log-format", "json"] })
      const port = yield* Effect.promise(() => proc.port())
      const started = Date.now()
      yield* Effect.promise(() =>
        Promise.all([
          pool(SOURCES, 100, (i) => sendFrom(port, sourceAddress(i, 30), loginBytes(`bot${i}.invalid`, "bot"))),
          pool(SOURCES, 100, (i) => sendFrom(port, sourceAddress(i, 31), PROXY_V1))
        ]))
      const seconds = (Date.now() - started) / 1000
      const entries = proc.stdout.map((l) => JSON.parse(l) as { level: string; message: string })
      const loud = entries.filter((e) => e.level !== "debug")
      const unknown = loud.filter((e) => e.message.includes("unknown domain"))
      const proxy = loud.filter((e) => e.message.includes("PROXY protocol mismatch"))
      const bytes = proc.stdout.reduce((n, l) => n + l.length + 1, 0)
      console.log(`log flood: ${2 * SOURCES} connections in ${seconds.toFixed(1)} s, ${loud.length} lines (${bytes} bytes) at info and above`)
      assert.isAtLeast(unknown.length, 1, "the first unknown-domain logins are still reported")
      assert.isAtMost(unknown.length, 10, "unknown-domain lines")
      assert.isAtLeast(proxy.length, 1, "the first PROXY mismatches are still reported")
      assert.isAtMost(proxy.length, 10, "PROXY mismatch lines")
      assert.isBelow(loud.length, 40, "lines at info and above")
    }), { timeout: 90_000 })
})
