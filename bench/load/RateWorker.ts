/**
 * One worker thread of the connection-rate load (driver.ts `rate`): `concurrency` closed
 * loops, each opening a connection, sending `hello` in one write and waiting for the answer:
 * - `status`: hello = handshake (next state 1) + Status Request + Ping; done at the Pong frame;
 * - `login`:  hello = handshake (next state 2) + Login Start `bye:<n>` + n bytes; done when the
 *   n bytes came back through the subject (the backend echoed them).
 * - `login` with `game` (the intercepted subjects): a whole game login (GameClient.ts: with
 *   encryption and the session server's join when the subject asks for it, compression, the
 *   configuration state), then one n-byte packet echoed by the backend (`@bye:<n>`).
 * The next connection starts as soon as one is done; the finished one is closed when the
 * server side closes it (the backend or the proxy closes first, so TIME_WAIT stays on the
 * listening side and the loops cannot run out of ephemeral ports).
 * Only operations completed inside [windowStart, windowEnd] count.
 */
import * as Net from "node:net"
import { parentPort, workerData } from "node:worker_threads"
import { gameLogin } from "./GameClient.ts"
import { probeFrame } from "./GameLoad.ts"

const data = workerData as {
  port: number
  hello: string
  kind: "status" | "login"
  expect: number
  concurrency: number
  startAt: number
  windowStart: number
  windowEnd: number
  game?: { sessionServer?: string }
}
const hello = Buffer.from(data.hello, "hex")
const readBuffer = Buffer.allocUnsafe(64 * 1024)
const now = () => performance.timeOrigin + performance.now()
const latencies: Array<number> = []
let ops = 0
let errors = 0
let open = 0

/** True once a Pong frame (length 9, id 1) has been read from `b`. */
const hasPong = (b: Buffer): boolean => {
  let off = 0
  while (off < b.length) {
    let len = 0
    let i = 0
    for (;; i++) {
      if (off + i >= b.length) return false
      const byte = b[off + i]!
      len |= (byte & 0x7f) << (7 * i)
      if ((byte & 0x80) === 0) break
    }
    const start = off + i + 1
    if (start + len > b.length) return false
    if (len === 9 && b[start] === 0x01) return true
    off = start + len
  }
  return false
}

/** Counts an operation that ended at `t1` (started at `t0`): in the window if it succeeded, as an error if not. */
const count = (ok: boolean, t0: number) => {
  const t1 = now()
  if (ok && t1 >= data.windowStart && t1 <= data.windowEnd) {
    ops++
    latencies.push((t1 - t0) * 1000)
  } else if (!ok) errors++
}

/** One game login through the subject, then one `expect`-byte packet echoed (the backend then closes). */
const oneGame = async (): Promise<void> => {
  const t0 = now()
  open++
  let s: Awaited<ReturnType<typeof gameLogin>>
  try {
    s = await gameLogin({ port: data.port, hello, sessionServer: data.game?.sessionServer, readBuffer })
  } catch {
    open--
    return count(false, t0)
  }
  const socket = s.socket
  // The proxy closes first (its player's backend went away), so TIME_WAIT stays on its side.
  const timer = setTimeout(() => socket.destroy(), 10_000)
  socket.on("end", () => socket.destroy())
  socket.once("close", () => (clearTimeout(timer), open--))
  const echoed = await new Promise<boolean>((resolve) => {
    let got = 0
    socket.once("close", () => resolve(false))
    s.play((b) => {
      got += b.length
      if (got >= data.expect) resolve(true)
    })
    s.write(probeFrame(data.expect))
  })
  count(echoed, t0)
}

const one = (): Promise<void> =>
  new Promise((resolve) => {
    const t0 = now()
    let received: Buffer | undefined
    let got = 0
    let finished = false
    const finish = (ok: boolean) => {
      if (finished) return
      finished = true
      count(ok, t0)
      resolve()
    }
    open++
    const socket = Net.connect({ port: data.port, host: "127.0.0.1", noDelay: true })
    // A connection that gets no answer fails instead of stalling its loop.
    const timer = setTimeout(() => socket.destroy(), 10_000)
    socket.once("connect", () => socket.write(hello))
    socket.on("data", (chunk: Buffer) => {
      if (finished) return
      if (data.kind === "login") {
        got += chunk.length
        if (got >= data.expect) finish(true)
      } else {
        received = received === undefined ? chunk : Buffer.concat([received, chunk])
        if (hasPong(received)) finish(true)
      }
    })
    socket.on("end", () => socket.destroy())
    socket.on("error", () => socket.destroy())
    socket.on("close", () => {
      clearTimeout(timer)
      open--
      finish(false)
    })
  })

const loop = async () => {
  while (now() < data.windowEnd) await (data.game === undefined ? one() : oneGame())
}

const wait = data.startAt - now()
if (wait > 0) await new Promise((r) => setTimeout(r, wait))
await Promise.all(Array.from({ length: data.concurrency }, loop))
// Let the last connections close before reporting (bounded).
const deadline = now() + 2000
while (open > 0 && now() < deadline) await new Promise((r) => setTimeout(r, 20))
parentPort!.postMessage({ ops, errors, latencies })
