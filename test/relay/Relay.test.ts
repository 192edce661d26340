import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect } from "effect"
import * as Net from "node:net"
import { dial } from "../../src/backend/BackendDialer.ts"
import { listen } from "../../src/connection/Listener.ts"
import { IdleWatch } from "../../src/relay/IdleWatch.ts"
import { makeMeter, relay, type RelayOutcome } from "../../src/relay/Relay.ts"
import { receiveAll, sendRandom } from "../support/Streams.ts"

/** A backend on 127.0.0.1:0 whose behaviour per connection is given by the test. */
const backendServer = (onConnection: (socket: Net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.callback<Net.Server>((resume) => {
      const server = Net.createServer({ allowHalfOpen: true }, onConnection)
      server.listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) => Effect.sync(() => server.close())
  )

const portOf = (server: Net.Server) => (server.address() as Net.AddressInfo).port

/** Our relay between a listener and one backend, reporting each outcome. */
const relayProxy = (backendPort: number, outcomes: Array<RelayOutcome>, timeouts = { read: 30_000, write: 30_000 }) =>
  Effect.gen(function*() {
    const idleWatch = yield* IdleWatch
    return yield* listen(
      { host: "127.0.0.1", port: 0, reusePort: false, maxConnections: 0, shutdownTimeout: Duration.seconds(1) },
      (client) =>
        Effect.gen(function*() {
          const link = yield* dial({
            host: "127.0.0.1",
            port: backendPort,
            address: `127.0.0.1:${backendPort}`,
            connectTimeout: Duration.seconds(2)
          })
          const outcome = yield* relay(client, link, {
            readTimeoutMs: timeouts.read,
            writeTimeoutMs: timeouts.write,
            idleWatch,
            meter: makeMeter()
          })
          outcomes.push(outcome)
        }).pipe(Effect.scoped, Effect.orDie)
    )
  })

const connect = (port: number) =>
  new Promise<Net.Socket>((resolve, reject) => {
    const socket = Net.connect({ port, host: "127.0.0.1", allowHalfOpen: true }, () => resolve(socket))
    socket.once("error", reject)
  })

describe("Relay", () => {
  it.live("moves 256 MiB each way unchanged, with a slow reader", () =>
    Effect.gen(function*() {
      const size = 256 * 1024 * 1024
      const backendDone = yield* Deferred.make<readonly [sent: unknown, received: unknown]>()
      const backend = yield* backendServer((socket) => {
        Promise.all([sendRandom(socket, size), receiveAll(socket)]).then((r) => Deferred.doneUnsafe(backendDone, Effect.succeed(r)))
      })
      const outcomes: Array<RelayOutcome> = []
      const proxy = yield* relayProxy(portOf(backend), outcomes)
      const client = yield* Effect.promise(() => connect(proxy.address.port))
      const [clientSent, clientReceived] = yield* Effect.promise(() =>
        Promise.all([sendRandom(client, size), receiveAll(client, 8 * 1024 * 1024)])
      )
      const [backendSent, backendReceived] = (yield* Deferred.await(backendDone)) as [
        Awaited<ReturnType<typeof sendRandom>>,
        Awaited<ReturnType<typeof receiveAll>>
      ]
      assert.deepStrictEqual(clientReceived, backendSent)
      assert.deepStrictEqual(backendReceived, clientSent)
      yield* Effect.sleep("100 millis")
      assert.strictEqual(outcomes.length, 1)
      assert.strictEqual(outcomes[0]!.c2b, size)
      assert.strictEqual(outcomes[0]!.b2c, size)
    }).pipe(Effect.provide(IdleWatch.layer)), { timeout: 120_000 })

  // Regression: read buffers were once shared between sockets, and Node registers a socket's
  // next read buffer right after each read — concurrent sessions under backpressure then
  // overwrote each other's pending bytes. One session alone never showed it.
  it.live("keeps 16 concurrent sessions apart, both ways, with slow readers", () =>
    Effect.gen(function*() {
      const size = 8 * 1024 * 1024
      const sessions = 16
      const backendResults: Array<Promise<readonly [Awaited<ReturnType<typeof sendRandom>>, Awaited<ReturnType<typeof receiveAll>>]>> = []
      const backend = yield* backendServer((socket) => {
        backendResults.push(Promise.all([sendRandom(socket, size), receiveAll(socket, size / 2)]))
      })
      const outcomes: Array<RelayOutcome> = []
      const proxy = yield* relayProxy(portOf(backend), outcomes)
      const clients = yield* Effect.promise(() =>
        Promise.all(Array.from({ length: sessions }, () =>
          connect(proxy.address.port).then((client) => Promise.all([sendRandom(client, size), receiveAll(client, size / 2)]))))
      )
      const backends = yield* Effect.promise(() => Promise.all(backendResults))
      // Each client's upload arrived intact at some backend connection, and each download at its client.
      const uploads = new Set(clients.map(([sent]) => sent.sha256))
      const downloads = new Set(backends.map(([sent]) => sent.sha256))
      for (const [, received] of backends) assert.isTrue(uploads.has(received.sha256), "an upload was corrupted")
      for (const [, received] of clients) assert.isTrue(downloads.has(received.sha256), "a download was corrupted")
    }).pipe(Effect.provide(IdleWatch.layer)), { timeout: 120_000 })

  it.live("delivers the backend's last bytes before closing (half-close)", () =>
    Effect.gen(function*() {
      const farewell = Buffer.from("disconnect: server closed")
      const backend = yield* backendServer((socket) => {
        socket.once("data", () => socket.end(farewell))
      })
      const outcomes: Array<RelayOutcome> = []
      const proxy = yield* relayProxy(portOf(backend), outcomes)
      const client = yield* Effect.promise(() => connect(proxy.address.port))
      client.write("hello")
      const received = yield* Effect.promise(() =>
        new Promise<Buffer>((resolve) => {
          const parts: Array<Buffer> = []
          client.on("data", (c: Buffer) => parts.push(c))
          client.once("end", () => {
            // Still allowed to talk after the backend's EOF; then finish our side.
            client.end()
            resolve(Buffer.concat(parts))
          })
        })
      )
      assert.strictEqual(received.toString(), farewell.toString())
      yield* Effect.promise(() => new Promise((r) => client.once("close", r)))
      yield* Effect.sleep("50 millis")
      assert.strictEqual(outcomes[0]?.reason, "backend_closed")
      assert.strictEqual(outcomes[0]?.b2c, farewell.length)
      assert.strictEqual(outcomes[0]?.c2b, 5)
    }).pipe(Effect.provide(IdleWatch.layer)))

  it.live("ends a session whose peers fall silent (read timeout)", () =>
    Effect.gen(function*() {
      const backend = yield* backendServer(() => {})
      const outcomes: Array<RelayOutcome> = []
      const proxy = yield* relayProxy(portOf(backend), outcomes, { read: 600, write: 30_000 })
      const client = yield* Effect.promise(() => connect(proxy.address.port))
      client.resume()
      yield* Effect.promise(() => new Promise((r) => client.once("end", r)))
      yield* Effect.sleep("50 millis")
      assert.strictEqual(outcomes[0]?.reason, "read_timeout")
    }).pipe(Effect.provide(IdleWatch.layer)))
})
