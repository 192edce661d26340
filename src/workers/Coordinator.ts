/**
 * The coordinator: the main thread when `worker_threads` asks for several workers. It owns
 * every piece of shared state (config and its watchers, servers, router, sessions, status
 * cache, balancer and health checks, rate limits, bans, log throttle, metrics and their
 * endpoints) and accepts no Minecraft connection itself: the workers do, on the same port.
 *
 * - Start: the coordinator first binds the address alone, without SO_REUSEPORT, and lets it go:
 *   a port in use (by anyone, another infrarust-ts included) fails start-up as it does in one
 *   process, and port 0 becomes a real port. (With `so_reuseport = true` sharing the port with
 *   other processes is wanted, so only port 0 is resolved that way.) Every worker thread starts
 *   at once, builds its pipeline, then binds that port with SO_REUSEPORT. A worker that cannot
 *   bind fails start-up like the single-process listener.
 * - Config: every published `infrarust.toml` and servers list is pushed to every worker. A
 *   changed `bind`/`so_reuseport` moves every worker's socket, new address first, live
 *   sessions kept (WorkerBind.ts, followed as in one process by connection/BindFollower.ts).
 * - A worker that ends unexpectedly is logged at Error, its connection slots are given back,
 *   its sessions and backend counts released, its totals kept (MetricsHub.ts), and it is
 *   restarted after 1 s, doubling per crash in a row up to 1 min (a worker that ran for a
 *   minute counts as healthy again): a crash loop never spins.
 * - Stop (closing this layer: SIGINT/SIGTERM): every worker is told to stop accepting and
 *   drain for `shutdown_timeout`; the coordinator keeps serving them meanwhile, waits for them
 *   (terminating any that is still running 5 s after that bound), and only then lets the
 *   services below close.
 */
import { Cause, Clock, Deferred, Duration, Effect, Exit, FiberSet, Layer, Option, Schema, Scope, Stream, SubscriptionRef } from "effect"
import { Worker } from "node:worker_threads"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { followBind } from "../connection/BindFollower.ts"
import { reclaimAfterFloods } from "../connection/HeapReclaim.ts"
import { ListenError, probeAddress } from "../connection/Listener.ts"
import { EventBus, Events } from "../event/EventBus.ts"
import { initialized } from "../event/Lifecycle.ts"
import type { EventOf, NotifiedTag } from "../event/ProxyEvent.ts"
import { Router } from "../routing/Router.ts"
import { announceListening } from "../connection/StartupReport.ts"
import type { BanMirror } from "./BanMirror.ts"
import { makeSlots } from "./ConnectionSlots.ts"
import type { SharedRateMemory } from "../security/SharedBucketTable.ts"
import { type CoordinatorServices, makeOps, type Peer, releaseLease } from "./CoordinatorOps.ts"
import { decodeFailure, makeLink } from "./Link.ts"
import { MetricsHub } from "./MetricsHub.ts"
import type { CoordinatorCasts, ListenAddress, ToCoordinator, ToWorker, WorkerCasts, WorkerData, WorkerLogs } from "./Ops.ts"
import { makeWorkerListener } from "./WorkerBind.ts"
import { encodeConfig, encodeServers, errorCodecs } from "./Wire.ts"
import { relog } from "./WorkerLogs.ts"

export class WorkerFailed extends Schema.TaggedError<WorkerFailed>()("WorkerFailed", {
  worker: Schema.Number,
  detail: Schema.String
}) {
  override get message(): string {
    return `worker ${this.worker}: ${this.detail}`
  }
}

export interface CoordinatorOptions {
  readonly count: number
  readonly configPath: string
  readonly bind: { readonly host: string; readonly port: number }
  /** `--bind`: it wins over the file's `bind`, which is then not followed. */
  readonly cliBind?: { readonly host: string; readonly port: number } | undefined
  readonly logs: WorkerLogs
  /** The ban list's mirror, fed by the coordinator's BanList (BanMirror.ts). */
  readonly bans: BanMirror
  /** The rate-limit buckets the coordinator's RateLimiter uses, for the workers to share. */
  readonly rates: SharedRateMemory
  /** The session-id counter the coordinator's Sessions counts with (session/SessionIds.ts). */
  readonly sessionIds: SharedArrayBuffer
  /** Called once the workers listen, and again after each move. */
  readonly onListening?: ((address: { readonly host: string; readonly port: number }) => void) | undefined
  /** The module each worker runs; WorkerMain.ts unless a test wraps it. */
  readonly entry?: URL | undefined
}

const WORKER_URL = new URL("./WorkerMain.ts", import.meta.url)
const START_TIMEOUT = Duration.seconds(60)
/** Beyond `shutdown_timeout`, how long a stopping worker may take before it is terminated. */
const STOP_GRACE = Duration.seconds(5)
const RESTART_FIRST = 1_000
const RESTART_MAX = 60_000
/** A worker that ran this long before crashing starts the backoff over. */
const STABLE_AFTER = 60_000
const FLUSH_TIMEOUT = Duration.seconds(1)
/**
 * A worker's young generation defaults to half the main thread's (32 MB against 64 MB here),
 * so the short-lived garbage of connections and relayed chunks is collected twice as often.
 */
const YOUNG_GENERATION_MB = 64

interface Running {
  readonly peer: Peer
  readonly worker: Worker
  readonly scope: Scope.Closeable
  readonly ready: Deferred.Deferred<void, ListenError | WorkerFailed>
  readonly listening: Deferred.Deferred<number, ListenError | WorkerFailed>
  readonly exited: Deferred.Deferred<number>
  readonly startedAt: number
  /** Why it stopped, when known: the uncaught error's message, and its stack. */
  error: string | undefined
  stack: string | undefined
}

export const layer = (options: CoordinatorOptions): Layer.Layer<never, ListenError | WorkerFailed, CoordinatorServices | MetricsHub | EventBus> =>
  Layer.effectDiscard(Effect.gen(function*() {
    const store = yield* ProxyConfigStore
    const directory = yield* ServersDirectory
    const router = yield* Router
    const hub = yield* MetricsHub
    const bus = yield* EventBus
    const events = yield* Events
    const context = yield* Effect.context<CoordinatorServices | MetricsHub | EventBus>()
    const runFork = Effect.runForkWith(context)
    const initial = yield* SubscriptionRef.get(store.config)
    const slots = makeSlots(options.count, initial.maxConnections)
    const running: Array<Running | undefined> = Array.from({ length: options.count }, () => undefined)
    const live = () => running.filter((r): r is Running => r !== undefined && r.peer.alive)
    let stopping = false

    /**
     * Every published value of `ref` goes to every worker, encoded once; the wire form of the
     * current one. (A stream starts with the value current when it subscribes: one published
     * meanwhile is not lost.)
     */
    const follow = <K extends "config" | "servers" | "interest", A>(
      op: K,
      ref: SubscriptionRef.SubscriptionRef<A>,
      encode: (value: A) => CoordinatorCasts[K]
    ) =>
      Effect.gen(function*() {
        let value = yield* SubscriptionRef.get(ref)
        let wire = encode(value)
        yield* SubscriptionRef.changes(ref).pipe(
          Stream.filter((next) => next !== value),
          Stream.runForEach((next) =>
            Effect.sync(() => {
              value = next
              wire = encode(next)
              for (const r of live()) r.peer.link.cast(op, wire)
            })
          ),
          Effect.forkScoped
        )
        return () => wire
      })
    const wireConfig = yield* follow("config", store.config, encodeConfig)
    const wireServers = yield* follow("servers", directory.servers, encodeServers)
    const wireInterest = yield* follow("interest", bus.interest, (tags) => tags)

    options.bans.onChange = (mirrored) => {
      for (const r of live()) r.peer.link.cast("bans", mirrored)
    }

    const peers = yield* Scope.fork(yield* Effect.scope)

    const spawn = (index: number) =>
      Effect.gen(function*() {
        const scope = yield* Scope.fork(peers)
        const data: WorkerData = {
          index,
          configPath: options.configPath,
          config: wireConfig(),
          servers: wireServers(),
          slots: slots.buffer,
          bans: options.bans.current(),
          bansVersion: options.bans.buffer,
          rates: options.rates,
          sessionIds: options.sessionIds,
          interest: wireInterest(),
          logs: options.logs
        }
        const worker = yield* Effect.acquireRelease(
          Effect.sync(() =>
            new Worker(options.entry ?? WORKER_URL, { workerData: data, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } })
          ),
          (w) => Effect.sync(() => void w.terminate())
        ).pipe(Scope.provide(scope))
        const holders = yield* FiberSet.make<void>().pipe(Scope.provide(scope))
        const runHolder = yield* FiberSet.runtime(holders)<never>().pipe(Scope.provide(scope))
        const peer: Peer = {
          index,
          link: undefined as unknown as Peer["link"],
          leases: new Map(),
          alive: true,
          runHolder: (effect) => runHolder(Effect.scoped(effect))
        }
        const r: Running = {
          peer,
          worker,
          scope,
          ready: Deferred.makeUnsafe(),
          listening: Deferred.makeUnsafe(),
          exited: Deferred.makeUnsafe(),
          startedAt: yield* Clock.currentTimeMillis,
          error: undefined,
          stack: undefined
        }
        const failStart = (error: ListenError | WorkerFailed) => {
          Deferred.doneUnsafe(r.ready, Effect.fail(error))
          Deferred.doneUnsafe(r.listening, Effect.fail(error))
        }
        worker.on("error", (error) => {
          r.error = error.message
          r.stack = error.stack
          failStart(new WorkerFailed({ worker: index, detail: error.message }))
        })
        worker.on("exit", (code) => {
          failStart(new WorkerFailed({ worker: index, detail: r.error ?? `exited with code ${code} while starting` }))
          Deferred.doneUnsafe(r.exited, Effect.succeed(code))
        })
        const { casts, handlers } = yield* makeOps(peer)
        const link = yield* makeLink<ToWorker, CoordinatorCasts, ToCoordinator, WorkerCasts>(worker, {
          handlers,
          casts: {
            ready: () => Deferred.doneUnsafe(r.ready, Effect.void),
            listening: (bound) => Deferred.doneUnsafe(r.listening, Effect.succeed(bound)),
            fatal: ({ failure, message }) => {
              r.error = message
              const error = Cause.squash(decodeFailure(failure, errorCodecs))
              failStart(error instanceof ListenError ? error : new WorkerFailed({ worker: index, detail: message }))
            },
            release: (id) => releaseLease(peer, id),
            metrics: (snapshot) => hub.update(index, snapshot),
            log: (entry) => {
              runFork(relog(entry))
            },
            event: (event) => {
              runFork(events.notify(event as EventOf<NotifiedTag>))
            },
            ...casts
          }
        }, errorCodecs).pipe(Scope.provide(scope))
        ;(peer as { link: Peer["link"] }).link = link
        running[index] = r
        // Whatever changed while the worker was being set up, it gets now.
        if (wireConfig() !== data.config) link.cast("config", wireConfig())
        if (wireServers() !== data.servers) link.cast("servers", wireServers())
        if (options.bans.current() !== data.bans) link.cast("bans", options.bans.current())
        if (wireInterest() !== data.interest) link.cast("interest", wireInterest())
        return r
      })

    /** Binds a ready worker on `address`; the port it bound. */
    const startListening = (r: Running, address: ListenAddress) =>
      Effect.gen(function*() {
        yield* Deferred.await(r.ready)
        r.peer.link.cast("listen", address)
        return yield* Deferred.await(r.listening)
      }).pipe(
        Effect.timeoutOrElse({
          duration: START_TIMEOUT,
          orElse: () => Effect.fail(new WorkerFailed({ worker: r.peer.index, detail: `did not start within ${Duration.format(START_TIMEOUT)}` }))
        })
      )

    /** The worker is gone: give back what it held; its totals stay in the metrics. */
    const retire = (r: Running) =>
      Effect.gen(function*() {
        r.peer.alive = false
        const lost = slots.reclaim(r.peer.index)
        hub.retire(r.peer.index)
        yield* Scope.close(r.scope, Exit.void)
        return lost
      })

    hub.flushWorkers = Effect.suspend(() =>
      Effect.forEach(
        live(),
        (r) => r.peer.link.call("flush", undefined).pipe(Effect.timeoutOption(FLUSH_TIMEOUT), Effect.ignore),
        { concurrency: "unbounded", discard: true }
      )
    )

    // Added after `peers`, so it runs first: the workers drain while their links still serve.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        stopping = true
        const stoppingNow = live()
        for (const r of stoppingNow) r.peer.link.cast("stop", undefined)
        const bound = Duration.sum((yield* SubscriptionRef.get(store.config)).shutdownTimeout, STOP_GRACE)
        const stopped = yield* Effect.forEach(stoppingNow, (r) => Deferred.await(r.exited), { concurrency: "unbounded" }).pipe(
          Effect.timeoutOption(bound)
        )
        if (Option.isNone(stopped)) {
          yield* Effect.logWarning(`workers still running ${Duration.format(bound)} after the stop; terminating them`)
          for (const r of stoppingNow) void r.worker.terminate()
          yield* Effect.forEach(stoppingNow, (r) => Deferred.await(r.exited), { discard: true }).pipe(Effect.timeoutOption("2 seconds"))
        }
      })
    )

    const port = options.bind.port === 0 || !initial.soReuseport ? yield* probeAddress(options.bind.host, options.bind.port) : options.bind.port
    const first = yield* Effect.forEach(Array.from({ length: options.count }, (_, i) => i), spawn)
    yield* Effect.forEach(first, (r) => startListening(r, { host: options.bind.host, port }), { concurrency: "unbounded", discard: true })
    const listener = yield* makeWorkerListener(
      { host: options.bind.host, port },
      () => live().map((r) => r.peer),
      () => slots.live().total
    )
    // The coordinator's heap grows with a flood's RPCs too (HeapReclaim.ts).
    yield* reclaimAfterFloods(() => slots.live().total)

    const supervise = (index: number) =>
      Effect.gen(function*() {
        let crashes = 0
        for (;;) {
          const current = running[index]!
          const code = yield* Deferred.await(current.exited)
          const lost = yield* retire(current)
          if (stopping) return
          const now = yield* Clock.currentTimeMillis
          crashes = now - current.startedAt >= STABLE_AFTER ? 1 : crashes + 1
          const delay = Math.min(RESTART_FIRST * 2 ** (crashes - 1), RESTART_MAX)
          yield* Effect.logError(
            `worker ${index} stopped unexpectedly: ${current.error ?? `exit code ${code}`}; ` +
              `${lost} connection(s) it served were closed; restarting it in ${delay / 1000}s` +
              (crashes > 1 ? ` (${crashes} crashes in a row)` : "") +
              (current.stack === undefined ? "" : `\n${current.stack}`)
          )
          yield* Effect.sleep(Duration.millis(delay))
          if (stopping) return
          // Between moves of the address: the new worker binds where the others are.
          const restart = yield* listener.serialized(Effect.gen(function*() {
            const spawned = yield* Effect.exit(spawn(index))
            if (Exit.isFailure(spawned)) return undefined
            return { next: spawned.value, started: yield* Effect.result(startListening(spawned.value, listener.address())) }
          }))
          // Not even started (a bug): the next turn of the loop tries again, later.
          if (restart === undefined) continue
          const { next, started } = restart
          if (started._tag === "Failure") {
            next.error ??= started.failure.message
            void next.worker.terminate()
          } else {
            yield* Effect.logInfo(`worker ${index} restarted`)
          }
        }
      })
    for (let i = 0; i < options.count; i++) yield* Effect.forkScoped(supervise(i))

    const current = yield* SubscriptionRef.get(store.config)
    yield* announceListening(options.bind.host, port, current, yield* SubscriptionRef.get(router.table), ` (${options.count} workers)`)
    options.onListening?.({ host: options.bind.host, port })
    yield* Effect.forkScoped(followBind(store.config, listener, options.cliBind, (address) => options.onListening?.(address)))
    yield* initialized
  }))
