/**
 * The bench's load generator: a separate process (and, for connection rates, worker threads)
 * so that the client side never shares a process with the subject or the backend.
 *
 *   node bench/load/driver.ts        then one JSON command per line on stdin
 *
 * Commands (`id` is echoed in the reply; every reply is one JSON line on stdout):
 * - `{cmd:"bulk", port, hello, conns, bytes, dir:"down"|"up"}`: `conns` connections, each sends
 *   `hello` (handshake + Login Start `src:<bytes>` or `sink:<bytes>`), then receives or sends
 *   `bytes`; replies with the wall time until the last connection finished. With `game`, all
 *   connections log in first, then `{id, mark:"start"}` is printed and the time starts.
 * - `{cmd:"rtt", port, directPort?, hello, size, warmup, count}`: one connection (`echo`), `size`-byte
 *   ping-pong; replies with the round-trip percentiles (µs). With `directPort`, a second
 *   connection straight to the backend is timed in alternating blocks (the added latency is
 *   then measured against the same moments).
 * - `{cmd:"rate", port, hello, kind:"status"|"login", expect, concurrency, threads, warmupMs, durationMs}`:
 *   closed-loop connections on worker threads (RateWorker.ts); prints `{id, mark:"start"}` and
 *   `{id, mark:"end"}` when the measured window opens and closes, so the caller can read the
 *   subject's CPU exactly over it; replies with the operations completed in the window.
 * - `{cmd:"idleOpen", port, hello, count, concurrency}`: opens `count` sessions (`echo`), each
 *   confirmed live by one echoed message, and keeps them; `{cmd:"idleClose"}` closes them.
 *
 * With `game` (the intercepted subjects), `bulk`, `rtt`, `idleOpen` and `rate` use game
 * sessions instead (GameLoad.ts, GameClient.ts): a login through the subject (encrypted when it
 * asks), then packets; `bulk` then counts and replies uncompressed packet bytes.
 *
 * Received bulk bytes go through `onread` into one reused buffer, and sent bytes are one
 * reused block, so the generator allocates nothing per chunk (no GC load on the client side).
 */
import * as Net from "node:net"
import { createInterface } from "node:readline"
import { Worker } from "node:worker_threads"
import { percentile } from "../lib/stats.ts"
import { gameIdleOne, gameOpen, type GameOptions, gameRttSession, gameTransfer } from "./GameLoad.ts"

const HOST = "127.0.0.1"
const readBuffer = Buffer.allocUnsafe(64 * 1024)
const upBlock = Buffer.alloc(256 * 1024, 0x33)

type Reply = Record<string, unknown>
const send = (line: Reply) => process.stdout.write(JSON.stringify(line) + "\n")

interface BulkCommand { id: number; port: number; hello: string; conns: number; bytes: number; dir: "down" | "up"; game?: GameOptions }

const bulkOne = (c: BulkCommand, hello: Buffer): Promise<void> =>
  new Promise((resolve, reject) => {
    let got = 0
    let done = false
    const finish = (err?: Error) => {
      if (done) return
      done = true
      socket.destroy()
      if (err === undefined) resolve()
      else reject(err)
    }
    const want = c.dir === "down" ? c.bytes : 1 // "up": the backend's one-byte acknowledgement
    const socket = connectCounting(c.port, (n) => {
      got += n
      if (got >= want) finish()
    })
    socket.on("error", (e) => finish(e))
    socket.on("close", () => finish(new Error(`closed after ${got} of ${want} bytes`)))
    socket.once("connect", () => {
      socket.write(hello)
      if (c.dir === "up") {
        let sent = 0
        const pump = () => {
          while (sent < c.bytes) {
            const chunk = c.bytes - sent >= upBlock.length ? upBlock : upBlock.subarray(0, c.bytes - sent)
            sent += chunk.length
            if (!socket.write(chunk)) return void socket.once("drain", pump)
          }
        }
        pump()
      }
    })
  })

/** Every command has a deadline (`timeoutMs`): a subject that stalls fails its test instead of hanging the bench. */
const open = new Set<Net.Socket>()
const track = (s: Net.Socket) => (open.add(s), s.once("close", () => open.delete(s)), s)
/** A tracked connection whose received bytes only count: each read lands in the shared buffer and `onBytes(n)` is called. */
const connectCounting = (port: number, onBytes: (n: number) => void): Net.Socket =>
  track(Net.connect({ port, host: HOST, noDelay: true, onread: { buffer: readBuffer, callback: (n) => (onBytes(n), true) } }))
const withDeadline = async <A>(ms: number | undefined, what: string, run: () => Promise<A>): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      for (const s of open) s.destroy()
      reject(new Error(`${what}: no result within ${ms} ms`))
    }, ms ?? 120_000)
  })
  try {
    return await Promise.race([run(), deadline])
  } finally {
    clearTimeout(timer)
  }
}

const bulk = (c: BulkCommand & { timeoutMs?: number }): Promise<Reply> =>
  withDeadline(c.timeoutMs, "bulk", async () => {
    const hello = Buffer.from(c.hello, "hex")
    const t0 = performance.now()
    const game = c.game
    if (game !== undefined) {
      const g = { ...c, game }
      const logins = await Promise.allSettled(Array.from({ length: c.conns }, () => gameOpen(g, readBuffer)))
      const sessions = logins.flatMap((l) => (l.status === "fulfilled" ? [l.value] : []))
      sessions.forEach((s) => track(s.socket))
      const failed = logins.find((l) => l.status === "rejected")
      if (failed !== undefined) {
        sessions.forEach((s) => s.socket.destroy())
        throw failed.reason as Error
      }
      send({ id: c.id, mark: "start" })
      const t1 = performance.now()
      const moved = await Promise.all(sessions.map((s) => gameTransfer(s, g)))
      return { ms: performance.now() - t1, bytes: moved.reduce((a, b) => a + b, 0) }
    }
    await Promise.all(Array.from({ length: c.conns }, () => bulkOne(c, hello)))
    return { ms: performance.now() - t0, bytes: c.bytes * c.conns }
  })

interface RttCommand {
  port: number
  /** When set, a second connection straight to the backend is measured in alternating blocks. */
  directPort?: number
  hello: string
  size: number
  warmup: number
  count: number
  block?: number
  game?: GameOptions
}

/** One `echo` session that can time `n` round trips of `size` bytes. */
interface RttSession {
  readonly run: (n: number, into?: Array<number>) => Promise<void>
  readonly socket: Net.Socket
}
const rttSession = (port: number, hello: Buffer, size: number): Promise<RttSession> =>
  new Promise((resolveSession, rejectSession) => {
    const message = Buffer.alloc(size, 0x42)
    let got = 0
    let t0 = 0
    let left = 0
    let into: Array<number> | undefined
    let done: (() => void) | undefined
    let fail: ((e: Error) => void) | undefined
    const next = () => {
      got = 0
      t0 = performance.now()
      socket.write(message)
    }
    const socket = connectCounting(port, (n) => {
      got += n
      if (got < size) return
      into?.push((performance.now() - t0) * 1000)
      if (--left > 0) next()
      else done?.()
    })
    const onFailure = (e: Error) => (fail === undefined ? rejectSession(e) : fail(e))
    socket.on("error", onFailure)
    socket.on("close", () => onFailure(new Error("the echo session closed")))
    socket.once("connect", () => {
      socket.write(hello)
      resolveSession({
        socket,
        run: (n, samples) =>
          new Promise<void>((resolve, reject) => {
            left = n
            into = samples
            done = resolve
            fail = reject
            next()
          })
      })
    })
  })

const stats = (samples: Array<number>) => {
  const sorted = samples.sort((a, b) => a - b)
  return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length, count: sorted.length }
}

/**
 * Round trips through the subject and, when `directPort` is given, straight to the backend,
 * alternating blocks of `block` so that both see the same moments of a shared machine.
 */
const rtt = (c: RttCommand & { timeoutMs?: number }): Promise<Reply> =>
  withDeadline(c.timeoutMs, "rtt", async () => {
    const hello = Buffer.from(c.hello, "hex")
    // A game subject is compared with a game session straight to the backend (no encryption: it never asks).
    const session = (port: number, viaSubject: boolean) =>
      c.game === undefined ? rttSession(port, hello, c.size) : gameRttSession(port, hello, c.size, viaSubject ? c.game.sessionServer : undefined, readBuffer).then((r) => (track(r.socket), r))
    const subject = await session(c.port, true)
    const direct = c.directPort === undefined ? undefined : await session(c.directPort, false)
    const block = c.block ?? 500
    if (c.warmup > 0) {
      await subject.run(c.warmup)
      await direct?.run(c.warmup)
    }
    const viaSubject: Array<number> = []
    const viaDirect: Array<number> = []
    while (viaSubject.length < c.count) {
      const n = Math.min(block, c.count - viaSubject.length)
      await subject.run(n, viaSubject)
      await direct?.run(n, viaDirect)
    }
    // Closing rejects only promises that have already settled.
    subject.socket.destroy()
    direct?.socket.destroy()
    return { ...stats(viaSubject), ...(direct === undefined ? {} : { direct: stats(viaDirect) }) }
  })

interface RateCommand {
  id: number
  port: number
  hello: string
  kind: "status" | "login"
  expect: number
  concurrency: number
  threads: number
  warmupMs: number
  durationMs: number
  game?: GameOptions
}

const rate = async (c: RateCommand): Promise<Reply> => {
  const startAt = performance.timeOrigin + performance.now() + 100
  const windowStart = startAt + c.warmupMs
  const windowEnd = windowStart + c.durationMs
  const workers = Array.from({ length: c.threads }, (_, i) => {
    const share = Math.floor(c.concurrency / c.threads) + (i < c.concurrency % c.threads ? 1 : 0)
    return new Promise<{ ops: number; errors: number; latencies: Array<number> }>((resolve, reject) => {
      const w = new Worker(new URL("./RateWorker.ts", import.meta.url), {
        workerData: { port: c.port, hello: c.hello, kind: c.kind, expect: c.expect, concurrency: share, startAt, windowStart, windowEnd, game: c.game }
      })
      w.once("message", resolve)
      w.once("error", reject)
    })
  })
  const now = () => performance.timeOrigin + performance.now()
  // Marks go out in order and before the reply, even when a timer fires late.
  let marked = 0
  const mark = (upTo: number) => {
    while (marked < upTo) send({ id: c.id, mark: ++marked === 1 ? "start" : "end" })
  }
  setTimeout(() => mark(1), Math.max(0, windowStart - now()))
  setTimeout(() => mark(2), Math.max(0, windowEnd - now()))
  const results = await Promise.all(workers)
  mark(2)
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b)
  const ops = results.reduce((a, r) => a + r.ops, 0)
  return {
    ops,
    errors: results.reduce((a, r) => a + r.errors, 0),
    perSecond: ops / (c.durationMs / 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99)
  }
}

interface IdleCommand { port: number; hello: string; count: number; concurrency: number; game?: GameOptions }
let idle: Array<Net.Socket> = []

const openIdleOne = (port: number, hello: Buffer, expect: number): Promise<Net.Socket> =>
  new Promise((resolve, reject) => {
    let got = 0
    const socket = track(Net.connect({ port, host: HOST, noDelay: true }))
    const onError = (e: Error) => (socket.destroy(), reject(e))
    socket.once("error", onError)
    socket.once("close", () => reject(new Error("closed before the echo")))
    socket.once("connect", () => socket.write(hello))
    const onData = (chunk: Buffer) => {
      got += chunk.length
      if (got < expect) return
      socket.off("data", onData)
      socket.removeAllListeners("close")
      socket.off("error", onError)
      socket.on("error", () => {})
      resolve(socket)
    }
    socket.on("data", onData)
  })

const idleOpen = (c: IdleCommand & { expect: number; timeoutMs?: number }): Promise<Reply> =>
  withDeadline(c.timeoutMs, "idleOpen", () => idleOpenRun(c))

const idleOpenRun = async (c: IdleCommand & { expect: number }): Promise<Reply> => {
  const hello = Buffer.from(c.hello, "hex")
  const t0 = performance.now()
  let started = 0
  let failed = 0
  let firstError = ""
  const lane = async () => {
    while (started < c.count) {
      started++
      try {
        idle.push(await (c.game === undefined ? openIdleOne(c.port, hello, c.expect) : gameIdleOne(c.port, hello, c.game.sessionServer, readBuffer)))
      } catch (e) {
        failed++
        if (firstError === "") firstError = (e as Error).message
      }
    }
  }
  await Promise.all(Array.from({ length: c.concurrency }, lane))
  return { opened: idle.length, failed, firstError, ms: performance.now() - t0 }
}

const idleClose = async (): Promise<Reply> => {
  const sockets = idle
  idle = []
  await Promise.all(sockets.map((s) => new Promise<void>((r) => (s.once("close", () => r()), s.destroy()))))
  return { closed: sockets.length }
}

const handlers: Record<string, (c: never) => Promise<Reply>> = {
  bulk,
  rtt,
  rate,
  idleOpen,
  idleClose
}

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "") return
  const c = JSON.parse(line) as { id: number; cmd: string }
  const handler = handlers[c.cmd]
  if (handler === undefined) return send({ id: c.id, error: `unknown command ${c.cmd}` })
  handler(c as never).then(
    (r) => send({ id: c.id, ...r }),
    (e: Error) => send({ id: c.id, error: e.message })
  )
})
process.stdin.on("end", () => process.exit(0))
send({ ready: true })
