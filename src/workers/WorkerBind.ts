/**
 * The workers' listening sockets as one listener that can move (connection/BindFollower.ts
 * follows `bind` and `so_reuseport` with it, exactly as in one process).
 *
 * A move asks every listening worker to `rebind` at once: each opens the new address with
 * SO_REUSEPORT (so all of them share it) and only then closes its old socket, keeping its live
 * connections. Before that the coordinator checks the new address the way start-up does
 * (Coordinator.ts): it binds it alone and lets it go, so a port in use by anyone fails the move
 * before any worker touches it, and port 0 becomes one real port for every worker. (With
 * `so_reuseport = true`, or when only the host changes and our own workers hold the port, that
 * check cannot be made; a worker that cannot bind still fails the move.)
 *
 * All or nothing: when some worker cannot bind, the workers that already moved are moved back,
 * and the move fails with that worker's ListenError (it names the new address), so the proxy
 * keeps listening on the old address only. A worker that goes away during a move is not a
 * failure: it is restarted on whatever address the move left.
 *
 * Moves and worker (re)starts take turns (`serialized`): a worker never starts listening on an
 * address that a move is leaving.
 */
import { Cause, Effect, Exit, Semaphore } from "effect"
import type { MovableListener } from "../connection/BindFollower.ts"
import { formatHostPort } from "../config/HostPort.ts"
import { ListenError, probeAddress } from "../connection/Listener.ts"
import type { Link } from "./Link.ts"
import type { CoordinatorCasts, ListenAddress, ToWorker } from "./Ops.ts"

/** A worker as a move needs it. */
export interface MovingWorker {
  readonly index: number
  readonly link: Link<ToWorker, CoordinatorCasts>
}

export interface WorkerListener extends MovableListener {
  /** Where the workers listen now: where a (re)started worker binds. */
  readonly address: () => ListenAddress
  /** Runs `effect` between moves (a worker's start: spawn and listen). */
  readonly serialized: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

export const makeWorkerListener = (
  initial: ListenAddress,
  /** The workers that listen now. */
  workers: () => ReadonlyArray<MovingWorker>,
  /** Live connections over every worker (ConnectionSlots.ts). */
  connections: () => number
): Effect.Effect<WorkerListener> =>
  Effect.gen(function*() {
    const lock = yield* Semaphore.make(1)
    let address = initial

    /** The ListenError a failed `rebind` call stands for (a defect becomes one naming the worker). */
    const listenErrorOf = (worker: MovingWorker, to: ListenAddress, cause: Cause.Cause<ListenError>): ListenError => {
      const error = Cause.findErrorOption(cause)
      return error._tag === "Some"
        ? error.value
        : new ListenError({ address: formatHostPort(to.host, to.port), detail: `worker ${worker.index}: ${Cause.pretty(cause)}` })
    }

    const moveBack = (moved: ReadonlyArray<MovingWorker>, from: ListenAddress) =>
      Effect.forEach(moved, (worker) =>
        worker.link.call("rebind", from).pipe(
          Effect.catchCause((cause) =>
            Effect.logError(`worker ${worker.index} could not go back to ${formatHostPort(from.host, from.port)}: ${Cause.pretty(cause)}`)
          )
        ), { concurrency: "unbounded", discard: true })

    const move = (to: { readonly host: string; readonly port: number; readonly reusePort: boolean }) =>
      Effect.gen(function*() {
        const from = address
        // Our own workers hold `from.port`: binding it alone would fail on them.
        const checked = to.port !== from.port && (to.port === 0 || !to.reusePort)
        const target: ListenAddress = { host: to.host, port: checked ? yield* probeAddress(to.host, to.port) : to.port }
        const asked = workers()
        const exits = yield* Effect.forEach(asked, (worker) => Effect.exit(worker.link.call("rebind", target)), { concurrency: "unbounded" })
        const moved = asked.filter((_, i) => Exit.isSuccess(exits[i]!))
        const failedAt = exits.findIndex((exit) => Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause))
        if (failedAt === -1) {
          address = target
          return { port: target.port }
        }
        yield* moveBack(moved, from)
        const failure = exits[failedAt] as Exit.Failure<number, ListenError>
        return yield* listenErrorOf(asked[failedAt]!, target, failure.cause)
      })

    return {
      address: () => address,
      current: () => ({ address: address.host, port: address.port }),
      connections,
      rebind: (to) => Semaphore.withPermit(lock, move(to)),
      serialized: (effect) => Semaphore.withPermit(lock, effect)
    }
  })
