/**
 * Listen ports for the bench's processes: loopback only, below 32768 (the kernel's ephemeral
 * range starts there, and a port in it may be taken by any outgoing connection at any time;
 * see ../shared/docs/test-peers.md §0). A port is handed out after a trial bind succeeds.
 */
import * as Net from "node:net"

const FIRST = 26_000
const LAST = 31_999
let cursor = FIRST + Math.floor(Math.random() * 4_000)

const tryBind = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = Net.createServer()
    server.once("error", () => resolve(false))
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)))
  })

/** A port on 127.0.0.1 that was free a moment ago. */
export const freePort = async (): Promise<number> => {
  for (let i = 0; i < LAST - FIRST; i++) {
    const port = cursor
    cursor = cursor >= LAST ? FIRST : cursor + 1
    if (await tryBind(port)) return port
  }
  throw new Error(`no free port in ${FIRST}-${LAST}`)
}

/** Resolves once something accepts TCP connections on the port (polling), or rejects after `timeoutMs`. */
export const waitForPort = async (port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> => {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = Net.connect({ port, host: "127.0.0.1" })
      s.once("connect", () => (s.destroy(), resolve(true)))
      s.once("error", () => resolve(false))
    })
    if (ok) return
    if (!alive()) throw new Error(`the process meant to listen on ${port} exited`)
    if (performance.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
