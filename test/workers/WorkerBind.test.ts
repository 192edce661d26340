/**
 * Moving the workers' sockets is all or nothing: two workers' real channels (WorkerChannel over
 * a MessageChannel, the coordinator's Link on the other end) and real listeners on 127.0.0.1.
 * When both can bind, both end up on the new address and the old one refuses; when one cannot
 * (here: it is not listening yet), the one that had moved is moved back, the move fails with a
 * ListenError naming the new address, and only the old address accepts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Duration, Effect, Layer } from "effect"
import * as Net from "node:net"
import { MessageChannel } from "node:worker_threads"
import { formatHostPort } from "../../src/config/HostPort.ts"
import { listen, type Listening } from "../../src/connection/Listener.ts"
import { makeBanMirror } from "../../src/workers/BanMirror.ts"
import { makeSlots } from "../../src/workers/ConnectionSlots.ts"
import { type Handlers, makeLink } from "../../src/workers/Link.ts"
import type { CoordinatorCasts, ToCoordinator, ToWorker, WorkerCasts, WorkerData } from "../../src/workers/Ops.ts"
import { encodeConfig, errorCodecs } from "../../src/workers/Wire.ts"
import { makeWorkerListener, type MovingWorker } from "../../src/workers/WorkerBind.ts"
import { WorkerChannel } from "../../src/workers/WorkerChannel.ts"
import { defaultConfig } from "../support/Contexts.ts"
import { sharedRateMemory } from "../../src/security/SharedBucketTable.ts"
import { sessionIdMemory } from "../../src/session/SessionIds.ts"

const HOST = "127.0.0.1"

const accepts = (port: number) =>
  Effect.promise(() =>
    new Promise<boolean>((resolve) => {
      const socket = Net.connect(port, HOST)
      socket.once("connect", () => (socket.destroy(), resolve(true)))
      socket.once("error", () => resolve(false))
    })
  )

/**
 * Worker `index`'s channel, and the coordinator's link to it; listening on `port` (SO_REUSEPORT,
 * closing every connection at once) unless `port` is undefined.
 */
const worker = (index: number, port: number | undefined) =>
  Effect.gen(function*() {
    const { port1, port2 } = new MessageChannel()
    yield* Effect.addFinalizer(() => Effect.sync(() => (port1.close(), port2.close())))
    const bans = makeBanMirror()
    const data: WorkerData = {
      index,
      configPath: "",
      config: encodeConfig(defaultConfig()),
      servers: [],
      slots: makeSlots(2, 0).buffer,
      bans: bans.current(),
      bansVersion: bans.buffer,
      rates: sharedRateMemory(64),
      sessionIds: sessionIdMemory(),
      interest: [],
      logs: { _tag: "Forward", level: "Info" }
    }
    const channel = Context.get(yield* Layer.build(WorkerChannel.layer(data, port2)), WorkerChannel)
    // The coordinator's end: this test asks the worker, never the reverse.
    const link = yield* makeLink<ToWorker, CoordinatorCasts, ToCoordinator, WorkerCasts>(
      port1,
      { handlers: {} as Handlers<ToCoordinator, never>, casts: {} as { readonly [K in keyof WorkerCasts]: (p: WorkerCasts[K]) => void } },
      errorCodecs
    )
    let listening: Listening | undefined
    if (port !== undefined) {
      const own = yield* listen(
        { host: HOST, port, reusePort: true, maxConnections: 0, shutdownTimeout: Duration.millis(100) },
        (socket) => Effect.sync(() => socket.destroy())
      )
      // As WorkerLayer.ts does once it listens.
      channel.onRebind((to) => Effect.map(own.rebind({ ...to, reusePort: true }), (bound) => bound.port))
      listening = own
    }
    return { moving: { index, link } satisfies MovingWorker, listening }
  })

describe("moving the workers' sockets", () => {
  it.live("every worker opens the new address and leaves the old one", () =>
    Effect.gen(function*() {
      const a = yield* worker(0, 0)
      const old = a.listening!.address.port
      const b = yield* worker(1, old)
      const listener = yield* makeWorkerListener({ host: HOST, port: old }, () => [a.moving, b.moving], () => 0)

      const moved = yield* listener.rebind({ host: HOST, port: 0, reusePort: false })
      assert.notStrictEqual(moved.port, old, "port 0 became one real port")
      assert.strictEqual(a.listening!.current().port, moved.port)
      assert.strictEqual(b.listening!.current().port, moved.port)
      assert.deepStrictEqual(listener.address(), { host: HOST, port: moved.port })
      assert.isTrue(yield* accepts(moved.port))
      assert.isFalse(yield* accepts(old), "nobody listens on the old address")
    }).pipe(Effect.scoped))

  it.live("one worker that cannot bind moves the others back, and the move fails naming the new address", () =>
    Effect.gen(function*() {
      const a = yield* worker(0, 0)
      const old = a.listening!.address.port
      const notYet = yield* worker(1, undefined)
      const listener = yield* makeWorkerListener({ host: HOST, port: old }, () => [a.moving, notYet.moving], () => 0)

      const failed = yield* Effect.flip(listener.rebind({ host: HOST, port: 0, reusePort: false }))
      assert.strictEqual(failed._tag, "ListenError")
      assert.match(failed.detail, /worker 1 is not listening yet/)
      const attempted = Number(failed.address.slice(failed.address.lastIndexOf(":") + 1))
      assert.strictEqual(failed.address, formatHostPort(HOST, attempted))
      assert.notStrictEqual(attempted, old)
      assert.strictEqual(a.listening!.current().port, old, "the worker that moved is back")
      assert.deepStrictEqual(listener.address(), { host: HOST, port: old })
      assert.isTrue(yield* accepts(old))
      assert.isFalse(yield* accepts(attempted), "nobody stayed on the new address")
    }).pipe(Effect.scoped))

  it.live("an address in use is refused before any worker moves", () =>
    Effect.gen(function*() {
      const a = yield* worker(0, 0)
      const old = a.listening!.address.port
      const blocker = yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<Net.Server>((resolve) => {
          const server = Net.createServer().listen(0, HOST, () => resolve(server))
        })),
        (server) => Effect.sync(() => void server.close())
      )
      const taken = (blocker.address() as Net.AddressInfo).port
      const listener = yield* makeWorkerListener({ host: HOST, port: old }, () => [a.moving], () => 0)
      const failed = yield* Effect.flip(listener.rebind({ host: HOST, port: taken, reusePort: false }))
      assert.strictEqual(failed.address, formatHostPort(HOST, taken))
      assert.match(failed.detail, /EADDRINUSE/)
      assert.strictEqual(a.listening!.current().port, old)
    }).pipe(Effect.scoped))
})
