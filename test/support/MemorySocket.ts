/**
 * In-memory sockets for unit tests of the connection stages: a `stream.duplexPair()` whose proxy
 * end carries the few socket fields the stages read (addresses, keepalive and no-delay setters),
 * and a client end the test writes to and reads from. No network, no ports, no timing.
 */
import type * as Net from "node:net"
import { duplexPair, type Duplex } from "node:stream"

export interface MemoryConnection {
  /** The proxy's end, as the listener would hand it to the pipeline. */
  readonly socket: Net.Socket
  /** The client's end. */
  readonly client: Duplex
  /** Everything the proxy wrote so far. */
  readonly received: () => Uint8Array
  /** Resolves once the proxy ended or destroyed its end. */
  readonly ended: Promise<void>
}

export const memoryConnection = (remote = { address: "127.0.0.1", port: 40000 }): MemoryConnection => {
  const [proxySide, clientSide] = duplexPair()
  Object.assign(proxySide, {
    remoteAddress: remote.address,
    remotePort: remote.port,
    localAddress: "127.0.0.1",
    localPort: 25565,
    setKeepAlive: () => proxySide,
    setNoDelay: () => proxySide
  })
  const chunks: Array<Buffer> = []
  clientSide.on("data", (chunk: Buffer) => chunks.push(chunk))
  // Like a real client: when the proxy hangs up, it hangs up too.
  clientSide.on("end", () => clientSide.end())
  const ended = new Promise<void>((resolve) => {
    clientSide.once("end", resolve)
    clientSide.once("close", resolve)
    proxySide.once("close", resolve)
  })
  return { socket: proxySide as unknown as Net.Socket, client: clientSide, received: () => Buffer.concat(chunks), ended }
}
