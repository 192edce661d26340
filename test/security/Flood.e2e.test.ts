/**
 * A bot flood against the real proxy process, on loopback only and bounded in count and time:
 *
 * - 2000 half-open connections (connected, a byte or two of a handshake, then silence), held
 *   through the flood — about twice `max_pending_handshakes`, so the pending bound must act;
 * - 2000 garbage connections (random bytes, then close);
 * - 2000 status pings from four addresses (`status_max = 50`, so most are over the bucket);
 * - 500 logins from a banned range (closed before the handshake is read);
 *
 * while a minecraft-protocol player who joined before the flood keeps chatting, and a second
 * player joins in the middle of it. Asserted:
 * - both sessions work throughout (every chat line is echoed within 5 s);
 * - memory: the proxy's live heap (after a forced full GC, sampled every 500 ms) grows by less
 *   than {@link LIVE_HEAP_BOUND_MB} MB over its pre-flood baseline and comes back to within
 *   {@link LEAK_BOUND_MB} MB of it afterwards; its RSS — which also counts garbage V8 has not
 *   collected or returned yet — grows by less than {@link RSS_GROWTH_BOUND_MB} MB;
 * - its open file descriptors return to the baseline (no leaked socket);
 * - no log line at Warn or above and no stack trace (refusals are Debug).
 * Figures are printed for the record.
 *
 * The proxy runs as a child process (`node src/main.ts`) so its memory is measured alone; a
 * preloaded probe (support/HeapProbe.ts) reports its heap on SIGUSR2.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import * as Net from "node:net"
import { join } from "node:path"
import { joinAndStay } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { proxyProcess } from "../support/ProxyProcess.ts"
import { loginBytes, statusBytes } from "../support/RawClient.ts"

const VERSION = "1.20.4"
const HOST = "mc.example.com"
const HALF_OPEN = 2000
const GARBAGE = 2000
const PINGS = 2000
const BANNED = 500
/** Live heap growth allowed during the flood (measured: about 20 MB). */
const LIVE_HEAP_BOUND_MB = 48
/** Live heap left over after the flood (measured: about 2 MB). */
const LEAK_BOUND_MB = 8
/** RSS growth allowed during the flood (measured: 100-160 MB, mostly uncollected garbage). */
const RSS_GROWTH_BOUND_MB = 256

const rssMb = (pid: number): number => {
  const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"))
  return Number(line?.replace(/\D+/g, "") ?? 0) / 1024
}
const openFds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length

/** Runs `task` for 0..count-1 with at most `concurrency` at once. */
const pool = async (count: number, concurrency: number, task: (i: number) => Promise<void>) => {
  let next = 0
  const worker = async () => {
    while (next < count) await task(next++)
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
}

const connectFrom = (port: number, localAddress: string): Promise<Net.Socket> =>
  new Promise((resolve) => {
    const socket = Net.connect({ port, host: "127.0.0.1", localAddress })
    socket.on("error", () => {})
    socket.once("connect", () => resolve(socket))
    socket.once("close", () => resolve(socket))
  })

/** Writes `bytes` and waits (bounded) for the proxy to close or for `timeoutMs`. */
const sendAndWait = (port: number, localAddress: string, bytes: Uint8Array, timeoutMs: number): Promise<void> =>
  new Promise((resolve) => {
    const socket = Net.connect({ port, host: "127.0.0.1", localAddress })
    const done = () => {
      clearTimeout(timer)
      socket.destroy()
      resolve()
    }
    const timer = setTimeout(done, timeoutMs)
    socket.on("error", () => {})
    socket.on("data", () => {})
    socket.once("connect", () => socket.end(bytes))
    socket.once("close", done)
  })

/** What the proxy's JSON log lines say: lines per level, Debug lines per kind, the first non-Debug lines, stack traces. */
const summarizeLog = (lines: ReadonlyArray<string>) => {
  const levels: Record<string, number> = {}
  const kinds: Record<string, number> = {}
  const kindOf = (message: string): string =>
    /in their handshake: closed the oldest/.test(message) ? "pending handshake evicted"
    : /rate limited/.test(message) ? "rate limited"
    : /bad data/.test(message) ? "bad data"
    : /client closed/.test(message) ? "client closed"
    : /no complete/.test(message) ? "timed out"
    : /banned address/.test(message) ? "banned"
    : "other"
  const samples: Array<string> = []
  let stackTraces = 0
  for (const line of lines) {
    const entry = JSON.parse(line) as { level: string; message: string; cause?: string }
    levels[entry.level] = (levels[entry.level] ?? 0) + 1
    if (entry.level === "debug") kinds[kindOf(entry.message)] = (kinds[kindOf(entry.message)] ?? 0) + 1
    if (entry.cause !== undefined || /\n\s+at /.test(entry.message)) stackTraces++
    if (entry.level !== "debug" && samples.length < 40) samples.push(`${entry.level} ${entry.message}`)
  }
  return { levels, kinds, samples, stackTraces }
}

const randomBytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, () => Math.floor(Math.random() * 256))

describe("flood", () => {
  it.live("half-open, garbage and ping floods: the players' sessions survive, memory stays bounded, no error logs", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proc = yield* proxyProcess(`[limits]\nhandshake_timeout = "5s"\n[rate_limit]\nstatus_max = 50\n`, {
        servers: { "mc.toml": serverToml([HOST], [backend.address]) },
        nodeArgs: ["--expose-gc", "--import", join(import.meta.dirname, "support/HeapProbe.ts")],
        cliArgs: ["--log-level", "debug", "--log-format", "json"],
        // ban.file defaults to bans.json in the working directory.
        files: {
          "bans.json": JSON.stringify({
            bans: [{ target: { type: "cidr", value: "127.0.12.0/24" }, reason: "bots", expires_at: null, created_at: 0, source: "test" }]
          })
        }
      })
      const child = proc.child
      let onHeap: (bytes: number) => void = () => {}
      child.stderr.on("data", (chunk: Buffer) => {
        for (const m of chunk.toString().matchAll(/^HEAP (\d+) \d+$/gm)) onHeap(Number(m[1]) / 1048576)
      })
      /** The proxy's live heap in MB, after a full GC. */
      const liveHeap = () =>
        new Promise<number>((resolve) => {
          const timer = setTimeout(() => resolve(Number.NaN), 3000)
          onHeap = (mb) => {
            clearTimeout(timer)
            resolve(mb)
          }
          child.kill("SIGUSR2")
        })
      const port = yield* Effect.promise(() => proc.port(10_000).catch(() => 0))
      const stderr = proc.stderr.join("\n")
      assert.notStrictEqual(port, 0, `the proxy did not start: ${stderr}`)
      const pid = child.pid!

      // A player joins before the flood and chats throughout it.
      const player = yield* Effect.promise(() => joinAndStay(VERSION, port, HOST, "steadfast"))
      yield* Effect.addFinalizer(() => Effect.sync(() => player.leave()))
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("warm-up")))
      yield* Effect.promise(() => new Promise((r) => setTimeout(r, 500)))
      const baseline = { rss: rssMb(pid), fds: openFds(pid), heap: yield* Effect.promise(liveHeap) }

      let peakRss = baseline.rss
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 50)
      yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(sampler)))
      let peakHeap = baseline.heap
      let sampling = true
      const heapSampler = (async () => {
        while (sampling) {
          peakHeap = Math.max(peakHeap, await liveHeap())
          await new Promise((r) => setTimeout(r, 500))
        }
      })()
      let chats = 0
      let chatFailures = 0
      let chatting = true
      const chatter = (async () => {
        while (chatting) {
          if (await player.chatEchoed(`during-${chats}`, 5000)) chats++
          else chatFailures++
          await new Promise((r) => setTimeout(r, 200))
        }
      })()

      const started = Date.now()
      const halfOpen: Array<Net.Socket> = []
      const flood = yield* Effect.promise(async () => {
        const halfOpenDone = pool(HALF_OPEN, 200, async (i) => {
          const socket = await connectFrom(port, `127.0.8.${1 + (i % 250)}`)
          if (i % 3 !== 0 && !socket.destroyed) socket.write(Uint8Array.of(0x10, 0x00).subarray(0, 1 + (i % 2)))
          halfOpen.push(socket)
        })
        const garbageDone = pool(GARBAGE, 100, (i) =>
          sendAndWait(port, `127.0.9.${1 + (i % 250)}`, randomBytes(1 + Math.floor(Math.random() * 512)), 2000))
        const pingsDone = pool(PINGS, 100, (i) => sendAndWait(port, `127.0.10.${1 + (i % 4)}`, statusBytes(HOST), 3000))
        const bannedDone = pool(BANNED, 50, (i) => sendAndWait(port, `127.0.12.${1 + (i % 250)}`, loginBytes(HOST, "bot"), 2000))
        // A second player joins while all of that is going on.
        await new Promise((r) => setTimeout(r, 300))
        const late = await joinAndStay(VERSION, port, HOST, "latecomer", { timeoutMs: 10_000 })
        const lateChat = await late.chatEchoed("made-it", 5000)
        late.leave()
        await Promise.all([halfOpenDone, garbageDone, pingsDone, bannedDone])
        return { lateChat, seconds: (Date.now() - started) / 1000 }
      })
      const peakDuringFlood = peakRss
      sampling = false
      yield* Effect.promise(() => heapSampler)
      for (const socket of halfOpen) socket.destroy()
      chatting = false
      yield* Effect.promise(() => chatter)
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("after-the-flood")), "the first player's session survived")

      // Everything the flood opened is closed again: no leaked sockets.
      let fdsAfter = openFds(pid)
      for (let i = 0; i < 100 && fdsAfter > baseline.fds + 5; i++) {
        yield* Effect.promise(() => new Promise((r) => setTimeout(r, 50)))
        fdsAfter = openFds(pid)
      }
      const rssAfter = rssMb(pid)
      const heapAfter = yield* Effect.promise(liveHeap)
      const { levels, kinds, samples, stackTraces } = summarizeLog(proc.stdout)
      const report = {
        connections: HALF_OPEN + GARBAGE + PINGS + BANNED,
        floodSeconds: flood.seconds,
        chatsDuringFlood: chats,
        chatFailures,
        liveHeapMb: { before: baseline.heap.toFixed(1), peak: peakHeap.toFixed(1), after: heapAfter.toFixed(1) },
        rssMb: { before: baseline.rss.toFixed(1), peak: peakDuringFlood.toFixed(1), after: rssAfter.toFixed(1) },
        fds: { before: baseline.fds, after: fdsAfter },
        logLines: levels,
        debugLinesByKind: kinds,
        nonDebugSamples: samples
      }
      console.log(`flood report: ${JSON.stringify(report, null, 2)}`)

      assert.isTrue(flood.lateChat, "a player who joined during the flood got a working session")
      assert.isTrue(chats > 0 && chatFailures === 0, `chat during the flood: ${chats} echoed, ${chatFailures} lost`)
      assert.isBelow(peakHeap - baseline.heap, LIVE_HEAP_BOUND_MB, "live heap growth during the flood (MB)")
      assert.isBelow(heapAfter - baseline.heap, LEAK_BOUND_MB, "live heap left after the flood (MB)")
      assert.isBelow(peakDuringFlood - baseline.rss, RSS_GROWTH_BOUND_MB, "RSS growth during the flood (MB)")
      assert.isAtMost(fdsAfter, baseline.fds + 5, "file descriptors after the flood")
      assert.strictEqual(stackTraces, 0, "no stack traces")
      assert.strictEqual(levels["error"] ?? 0, 0, "no error lines")
      assert.strictEqual(levels["warn"] ?? 0, 0, "no warnings")
      assert.isBelow(levels["info"] ?? 0, 40, "info lines stay few (sessions, start-up)")
    }), { timeout: 60_000 })
})
