/**
 * A worker thread's end of its link to the coordinator, and the state the remote services share:
 *
 * - the live config and servers, as pushed by the coordinator on every reload (decoded with
 *   the same schemas, so routing here is the coordinator's routing), and the ban list
 *   (BanMirror.ts);
 * - the leases this worker holds on the coordinator: logins whose backend dial the coordinator
 *   drives (`dial` requests queue here for the connection's own fiber) and sessions the
 *   coordinator may kick (`kick` interrupts the connection's fiber);
 * - the `listen` and `stop` commands, and the hooks a `flush` request (metrics) and a `rebind`
 *   request (the listener) run.
 */
import { Context, Deferred, Effect, type Fiber, Layer, Queue, type Scope, SubscriptionRef } from "effect"
import { parentPort } from "node:worker_threads"
import type { BackendConnectError } from "../backend/BackendDialer.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import type { BackendTarget } from "../config/ServerConfig.ts"
import { formatHostPort } from "../config/HostPort.ts"
import { ListenError } from "../connection/Listener.ts"
import type { ActorSlot } from "../session/Sessions.ts"
import { type BanCopy, makeBanCopy } from "./BanMirror.ts"
import { type Link, makeLink, type PortLike } from "./Link.ts"
import type { CoordinatorCasts, ListenAddress, ToCoordinator, ToWorker, WorkerCasts, WorkerData } from "./Ops.ts"
import { decodeConfig, decodeServers, errorCodecs } from "./Wire.ts"

/** A backend the coordinator wants this worker to dial for a login, and where the answer goes. */
interface DialJob {
  readonly target: BackendTarget
  readonly done: Deferred.Deferred<void, BackendConnectError>
}

export type LeaseEvent =
  | { readonly _tag: "Dial"; readonly job: DialJob }
  | { readonly _tag: "Connected"; readonly target: BackendTarget | undefined }

export interface WorkerChannelShape {
  readonly data: WorkerData
  readonly link: Link<ToCoordinator, WorkerCasts>
  readonly config: SubscriptionRef.SubscriptionRef<ProxyConfig>
  readonly servers: SubscriptionRef.SubscriptionRef<ReadonlyArray<LoadedServer>>
  /** This worker's copy of the ban list (BanMirror.ts). */
  readonly bans: BanCopy
  /** The event tags the coordinator's listeners and subscribers want (RemoteEvents.ts). */
  readonly interest: () => ReadonlySet<string>
  /**
   * A new lease (its id unique within this worker) holding `value` in `table` until the current
   * Scope closes; then it leaves the table and the coordinator is told to `release` it.
   */
  readonly openLease: <A>(table: Map<number, A>, value: A) => Effect.Effect<number, never, Scope.Scope>
  /** Logins waiting on `balancer.connect`: their event queues. */
  readonly dialing: Map<number, Queue.Queue<LeaseEvent>>
  /** Registered sessions: the connection fiber a `kick` interrupts, and how the session acts. */
  readonly sessions: Map<number, { readonly fiber: Fiber.Fiber<unknown, unknown>; readonly actor: ActorSlot | undefined }>
  /** The address to bind, once the coordinator says so. */
  readonly listen: Deferred.Deferred<ListenAddress>
  /** Completed by the coordinator's `stop`. */
  readonly stop: Deferred.Deferred<void>
  /** Sets what a `flush` request runs (the metrics shipper's publish). */
  readonly onFlush: (publish: Effect.Effect<void>) => void
  /** Sets what a `rebind` request runs (the listener, once it listens); before that one fails. */
  readonly onRebind: (rebind: (to: ListenAddress) => Effect.Effect<number, ListenError>) => void
}

export class WorkerChannel extends Context.Service<WorkerChannel, WorkerChannelShape>()("infrarust/workers/WorkerChannel") {
  /** Over `port` (tests) or the thread's `parentPort`. */
  static readonly layer = (data: WorkerData, port: PortLike | null = parentPort) =>
    Layer.effect(WorkerChannel, make(data, port))
}

const make = Effect.fnUntraced(function*(data: WorkerData, port: PortLike | null) {
  if (port === null) return yield* Effect.die(new Error("a worker channel needs a parent port"))
  const config = yield* SubscriptionRef.make(decodeConfig(data.config))
  const servers = yield* SubscriptionRef.make(decodeServers(data.servers))
  const bans = makeBanCopy(data.bansVersion, data.bans)
  const dialing = new Map<number, Queue.Queue<LeaseEvent>>()
  const sessions = new Map<number, { readonly fiber: Fiber.Fiber<unknown, unknown>; readonly actor: ActorSlot | undefined }>()
  const listen = yield* Deferred.make<ListenAddress>()
  const stop = yield* Deferred.make<void>()
  const runFork = Effect.runForkWith(yield* Effect.context<never>())
  let flush: Effect.Effect<void> = Effect.void
  // The coordinator moves only listening workers; this answers a request that raced the start.
  let rebind = (to: ListenAddress): Effect.Effect<number, ListenError> =>
    Effect.fail(new ListenError({ address: formatHostPort(to.host, to.port), detail: `worker ${data.index} is not listening yet` }))
  let nextLease = 1
  let interest: ReadonlySet<string> = new Set(data.interest)

  const link = yield* makeLink<ToCoordinator, WorkerCasts, ToWorker, CoordinatorCasts>(port, {
    handlers: {
      dial: ({ lease, target }) =>
        Effect.gen(function*() {
          const queue = dialing.get(lease)
          const done = yield* Deferred.make<void, BackendConnectError>()
          // The login already gave up (its scope closed): nothing to dial for.
          if (queue === undefined || !Queue.offerUnsafe(queue, { _tag: "Dial", job: { target, done } })) {
            return yield* Effect.interrupt
          }
          return yield* Deferred.await(done)
        }),
      flush: () => Effect.suspend(() => flush),
      rebind: (to) => Effect.suspend(() => rebind(to)),
      act: ({ action, lease }) => {
        const act = sessions.get(lease)?.actor?.act
        return act === undefined ? Effect.succeed(false) : act(action)
      }
    },
    casts: {
      config: (wire) => {
        runFork(SubscriptionRef.set(config, decodeConfig(wire)))
      },
      servers: (wire) => {
        runFork(SubscriptionRef.set(servers, decodeServers(wire)))
      },
      bans: (mirrored) => bans.update(mirrored),
      interest: (tags) => {
        interest = new Set(tags)
      },
      kick: (lease) => sessions.get(lease)?.fiber.interruptUnsafe(),
      listen: (address) => {
        Deferred.doneUnsafe(listen, Effect.succeed(address))
      },
      stop: () => {
        Deferred.doneUnsafe(stop, Effect.void)
      }
    }
  }, errorCodecs)

  const openLease = <A>(table: Map<number, A>, value: A) =>
    Effect.acquireRelease(
      Effect.sync(() => {
        const id = nextLease++
        table.set(id, value)
        return id
      }),
      (id) =>
        Effect.sync(() => {
          table.delete(id)
          link.cast("release", id)
        })
    )

  return WorkerChannel.of({
    data,
    link,
    config,
    servers,
    bans,
    interest: () => interest,
    openLease,
    dialing,
    sessions,
    listen,
    stop,
    onFlush: (publish) => {
      flush = publish
    },
    onRebind: (f) => {
      rebind = f
    }
  })
})
