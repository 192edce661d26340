/**
 * A TCP relay on 127.0.0.1 in front of a real backend, whose connections a test can cut the way
 * a crashed backend does: both of the relay's sockets of a connection are destroyed at once, so
 * the proxy sees its backend connection end without a Disconnect packet, and the backend sees its
 * player leave. Closed with the scope.
 */
import { Effect } from "effect"
import { createConnection, createServer, type Socket } from "node:net"

export interface TcpRelay {
  /** `127.0.0.1:<port>` of the relay, for a server file. */
  readonly address: string
  /** Destroys both sockets of every open connection; the number cut. */
  readonly crash: () => number
}

/** A relay to `target` (`host:port`). */
export const tcpRelay = (target: string) =>
  Effect.acquireRelease(
    Effect.callback<{ relay: TcpRelay; close: () => void }>((resume) => {
      const [host, port] = [target.slice(0, target.lastIndexOf(":")), Number(target.slice(target.lastIndexOf(":") + 1))]
      const open = new Set<readonly [Socket, Socket]>()
      const server = createServer((front) => {
        const back = createConnection({ host, port })
        const pair = [front, back] as const
        open.add(pair)
        front.pipe(back)
        back.pipe(front)
        // Either side ending or failing ends the pair: a relay holds no half-open connection.
        const drop = () => (open.delete(pair), front.destroy(), back.destroy())
        for (const s of pair) s.on("close", drop).on("error", drop)
      })
      server.listen(0, "127.0.0.1", () => {
        const address = server.address()
        const listening = typeof address === "object" && address !== null ? address.port : 0
        resume(Effect.succeed({
          relay: {
            address: `127.0.0.1:${listening}`,
            crash: () => {
              const cut = [...open]
              for (const [front, back] of cut) (front.destroy(), back.destroy())
              open.clear()
              return cut.length
            }
          },
          close: () => {
            for (const [front, back] of open) (front.destroy(), back.destroy())
            server.close()
          }
        }))
      })
    }),
    ({ close }) => Effect.sync(close)
  ).pipe(Effect.map(({ relay }) => relay))
