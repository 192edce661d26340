/**
 * Loopback ports for tests and the bench: a free port the kernel picks, a free port (or a
 * listener) below 32768, and a wait until something accepts connections. Ports below 32768
 * are outside Linux's ephemeral range, where any outgoing connection may take a port at any
 * time (../shared/docs/test-peers.md §0), and some clients write the port as a signed 16-bit
 * number. Effect-free: the bench's plain Node processes use it too.
 */
import * as Net from "node:net"

/** A free TCP port on 127.0.0.1 picked by the kernel (bound and released; nothing listens on it afterwards). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = Net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as Net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })

const LOW_FIRST = 20_000
const LOW_LAST = 31_999
// Successive calls walk the range from a random start, so ports handed out one after the
// other (before anything binds them) differ.
let cursor = LOW_FIRST + Math.floor(Math.random() * (LOW_LAST - LOW_FIRST + 1))

/**
 * Binds a server from `make` to 127.0.0.1 on a port below 32768, trying port after port (a
 * fresh server for each try); resolves with the server and its port.
 */
export const listenLow = async <S extends Net.Server>(make: () => S): Promise<{ readonly server: S; readonly port: number }> => {
  for (let i = 0; i <= LOW_LAST - LOW_FIRST; i++) {
    const port = cursor
    cursor = cursor >= LOW_LAST ? LOW_FIRST : cursor + 1
    const server = make()
    const bound = await new Promise<boolean>((resolve) => {
      server.once("error", () => resolve(false))
      server.listen({ port, host: "127.0.0.1", exclusive: true }, () => resolve(true))
    })
    if (bound) return { server, port }
  }
  throw new Error(`no free port in ${LOW_FIRST}-${LOW_LAST}`)
}

/** A port below 32768 on 127.0.0.1 that was free a moment ago (for configs that need a number). */
export const freeLowPort = async (): Promise<number> => {
  const { server, port } = await listenLow(() => Net.createServer())
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

export interface WaitForPortOptions {
  /**
   * Sent on each successful probe before a polite close (a listener that expects a header then
   * logs no error for the probe); without it the probe is reset at once.
   */
  readonly greeting?: Uint8Array | undefined
  /** False once the process meant to listen has exited: the wait fails at once. */
  readonly alive?: () => boolean
}

/** Resolves once something accepts connections on 127.0.0.1:`port` (polling every 50 ms); rejects after `timeoutMs`. */
export const waitForPort = async (port: number, timeoutMs = 5000, options: WaitForPortOptions = {}): Promise<void> => {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const connected = await new Promise<boolean>((resolve) => {
      const socket = Net.connect(port, "127.0.0.1")
      socket.once("connect", () => {
        if (options.greeting === undefined) socket.destroy()
        else socket.end(options.greeting)
        resolve(true)
      })
      socket.on("error", () => {
        socket.destroy()
        resolve(false)
      })
    })
    if (connected) return
    if (options.alive?.() === false) throw new Error(`the process meant to listen on ${port} exited`)
    if (performance.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
