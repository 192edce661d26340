/**
 * The flood of the bench's flood phase, as its own process (plain Node, no Effect): `count`
 * connections to 127.0.0.1:`port`, each from its own loopback source address (127.x.y.z; Linux
 * routes all of 127/8 to lo), that send `bytes` (nothing: a silent socket; a few: slowloris) and
 * then nothing more. It holds them for `holdMs`, closes what is left, and exits.
 *
 *   node bench/load/SilentFlood.ts <port> <count> <holdMs> [hex bytes]
 *
 * Prints JSON lines: `{"opened":n,"failed":n,"ms":n}` once every connection is made, then
 * `{"closedByProxy":n}` when it closes them (the ones the proxy had already closed: evicted by
 * its pending bounds or timed out), so the orchestrator can read the subject's memory at both
 * moments. Bounded: connection attempts time out after 10 s, the whole run after holdMs + 60 s.
 */
import * as Net from "node:net"

const [portText, countText, holdText, hex = ""] = process.argv.slice(2)
const port = Number(portText)
const count = Number(countText)
const holdMs = Number(holdText)
const payload = Buffer.from(hex, "hex")
const CONCURRENCY = 200

setTimeout(() => process.exit(2), holdMs + 60_000).unref()

/** The i-th source address: 127.64.0.1 onwards, skipping .0 and .255. */
const sourceOf = (i: number): string => `127.${64 + Math.floor(i / 64_516)}.${1 + (Math.floor(i / 254) % 254)}.${1 + (i % 254)}`

const sockets: Array<{ socket: Net.Socket; closed: boolean }> = []
let failed = 0

const open = (i: number) =>
  new Promise<void>((resolve) => {
    const socket = Net.connect({ port, host: "127.0.0.1", localAddress: sourceOf(i) })
    const entry = { socket, closed: false }
    const timer = setTimeout(() => socket.destroy(), 10_000)
    socket.on("error", () => {})
    socket.on("data", () => {})
    socket.once("connect", () => {
      clearTimeout(timer)
      if (payload.length > 0) socket.write(payload)
      sockets.push(entry)
      resolve()
    })
    socket.once("close", () => {
      clearTimeout(timer)
      if (!entry.closed && !sockets.includes(entry)) failed++
      entry.closed = true
      resolve()
    })
  })

const started = performance.now()
let next = 0
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (next < count) await open(next++)
}))
process.stdout.write(`${JSON.stringify({ opened: sockets.length, failed, ms: Math.round(performance.now() - started) })}\n`)
await new Promise((r) => setTimeout(r, holdMs))
const closedByProxy = sockets.filter((s) => s.closed).length
for (const s of sockets) s.socket.destroy()
process.stdout.write(`${JSON.stringify({ closedByProxy })}\n`)
process.exit(0)
