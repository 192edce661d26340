/**
 * Baseline "pipe": the plain Node TCP proxy people write first, on the same Node as
 * infrarust-ts: `client.pipe(backend); backend.pipe(client)`, TCP_NODELAY on both legs, both
 * sockets destroyed when either fails, ends forwarded by `pipe`. It forwards every byte, the handshake included, so the
 * same fake backend serves it. No Effect is loaded (this is docs/effect4.md §5 variant b).
 *
 *   node bench/baselines/pipe.ts <listenPort> <backendPort>
 */
import * as Net from "node:net"

const [listenPort, backendPort] = [Number(process.argv[2]), Number(process.argv[3])]

const server = Net.createServer({ noDelay: true }, (client) => {
  const backend = Net.connect({ port: backendPort, host: "127.0.0.1", noDelay: true })
  const close = () => {
    client.destroy()
    backend.destroy()
  }
  client.on("error", close)
  backend.on("error", close)
  client.pipe(backend)
  backend.pipe(client)
})
server.maxConnections = 100_000
server.listen({ port: listenPort, host: "127.0.0.1", backlog: 4096 }, () => process.stdout.write(`ready ${listenPort}\n`))
