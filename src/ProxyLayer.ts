/**
 * The composition root: every service of the running proxy, wired in one place.
 *
 * `worker_threads` picks one of two compositions (src/workers/WorkerPlan.ts):
 *
 * - One process (one worker, or no SO_REUSEPORT): reading bottom-up, the global config store
 *   (watched file) → the servers directory → the router → the per-connection services → the
 *   connection handler → the listener. The listener is a Layer whose scope owns the accept
 *   loop; closing it (SIGINT/SIGTERM) stops accepting and drains the live connections.
 * - Workers: the same services, minus the data plane, become the coordinator that every
 *   worker thread asks (src/workers/Coordinator.ts); the worker pool sits where the listener
 *   was, so on SIGINT/SIGTERM the workers drain first, while the services still answer them.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, Metric, References, Result, SubscriptionRef } from "effect"
import { Balancer } from "./backend/Balancer.ts"
import { parseHostPort } from "./config/HostPort.ts"
import { ProxyConfigStore } from "./config/ProxyConfigStore.ts"
import { ServersDirectory } from "./config/ServersDirectory.ts"
import { ConnectionHandler } from "./connection/ConnectionHandler.ts"
import { listen } from "./connection/Listener.ts"
import type { LogFormat } from "./observability/Logging.ts"
import * as Observability from "./observability/Observability.ts"
import { LogThrottle } from "./observability/LogThrottle.ts"
import { SessionMeters } from "./observability/SessionMeters.ts"
import { IdleWatch } from "./relay/IdleWatch.ts"
import { ZeroCopy } from "./relay/ZeroCopy.ts"
import { Router } from "./routing/Router.ts"
import { BanList } from "./security/BanList.ts"
import { IpFilter } from "./security/IpFilter.ts"
import { RateLimiter } from "./security/RateLimiter.ts"
import { Sessions } from "./session/Sessions.ts"
import { EventBus } from "./event/EventBus.ts"
import { initialized, ShutdownEvent } from "./event/Lifecycle.ts"
import { ReloadEvents } from "./event/ReloadEvents.ts"
import { PluginHost } from "./plugin/PluginHost.ts"
import { WasmHost } from "./wasm/WasmHost.ts"
import { ProxyModes } from "./mode/ProxyModes.ts"
import { announceListening } from "./connection/StartupReport.ts"
import { StatusCache } from "./status/StatusCache.ts"
import { StatusService } from "./status/StatusService.ts"
import * as Coordinator from "./workers/Coordinator.ts"
import { makeBanMirror } from "./workers/BanMirror.ts"
import { MetricsHub } from "./workers/MetricsHub.ts"
import type { WorkerLogs } from "./workers/Ops.ts"
import { describePlan, planWorkers } from "./workers/WorkerPlan.ts"

export interface ProxyOptions {
  readonly configPath: string
  /** `--bind`, already validated; overrides `bind`. */
  readonly bind?: { readonly host: string; readonly port: number } | undefined
  /** Called once the listener is bound (tests learn the port this way). */
  readonly onListening?: ((address: { readonly host: string; readonly port: number }) => void) | undefined
  /**
   * Worker threads write their own lines in this format (the command line's). Absent: they
   * send every line to this process's logger (an embedding program, tests).
   */
  readonly workerLogFormat?: LogFormat | undefined
  /** The module worker threads run (tests wrap src/workers/WorkerMain.ts). */
  readonly workerEntry?: URL | undefined
}

/** `--bind` text → address, with the same rules as the config key. */
export const parseBindOption = (text: string) =>
  Result.mapError(parseHostPort(text, { portOptional: false, ipOnly: true, minPort: 0 }), (reason) => `--bind ${text}: ${reason}`)

const ListenerLive = (options: ProxyOptions) =>
  Layer.effectDiscard(
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const config = yield* SubscriptionRef.get(store.config)
      const handler = yield* ConnectionHandler
      const router = yield* Router
      const bind = options.bind ?? config.bind
      const listening = yield* listen(
        {
          host: bind.host,
          port: bind.port,
          reusePort: config.soReuseport,
          maxConnections: config.maxConnections,
          shutdownTimeout: config.shutdownTimeout
        },
        handler.handle
      )
      yield* announceListening(bind.host, listening.address.port, config, yield* SubscriptionRef.get(router.table))
      options.onListening?.({ host: bind.host, port: listening.address.port })
      yield* initialized
    })
  )

/**
 * The shared-state services, the same in one process and in the coordinator: servers → router →
 * sessions and log throttle → balancer → status plane → rate limits and bans.
 */
const controlPlane = <A, E, R, EB, RB>(observability: Layer.Layer<A, E, R>, bans: Layer.Layer<BanList, EB, RB>) => {
  // Tracer, metrics endpoint and session meters sit under everything else (released last).
  const servers = ServersDirectory.layer.pipe(Layer.provideMerge(observability))
  const routing = Router.layer.pipe(Layer.provideMerge(servers))
  // Events sit low: every service above may fire them, and plugins listen from the top.
  const shared = Layer.mergeAll(Sessions.layer, LogThrottle.layer, EventBus.layer)
  // The balancer follows the routing table (health checks per server) and reads live sessions.
  const balancing = Balancer.layer.pipe(Layer.provideMerge(shared), Layer.provideMerge(routing))
  // The status cache is its own layer so a test or a plugin can swap it.
  const status = StatusService.layer.pipe(Layer.provideMerge(StatusCache.layer), Layer.provideMerge(balancing))
  // Rate limits and bans follow the live [rate_limit] and [ban].
  const security = Layer.mergeAll(RateLimiter.layer, bans).pipe(Layer.provideMerge(status))
  // WebAssembly plugins load after the Layer plugins, through the plugin host.
  const plugins = PluginHost.layer.pipe(Layer.provideMerge(WasmHost.layer))
  // Plugins load last, over every service they may use, with ConfigReload events beside them;
  // ProxyShutdown fires once everything above (the listener or the workers) has stopped.
  // (Above the plugins, so it is released before they unload.)
  return ShutdownEvent.pipe(Layer.provideMerge(Layer.mergeAll(plugins, ReloadEvents)), Layer.provideMerge(security))
}

/** Everything in one process, as before worker threads existed. */
/**
 * Every service of the one-process proxy below the connection handler: the control plane and the
 * data plane's own services (IP filters follow the live [ip_filter]). Tests drive the pipeline's
 * stages over it with in-memory sockets.
 */
export const proxyServices = ProxyModes.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(IdleWatch.layer, ZeroCopy.layer, IpFilter.layer)),
  Layer.provideMerge(controlPlane(Observability.layer, BanList.layer))
)

const singleProcess = (options: ProxyOptions) =>
  ListenerLive(options).pipe(Layer.provide(ConnectionHandler.layer.pipe(Layer.provideMerge(proxyServices))))

/** A scrape first asks every worker for its numbers. */
const coordinatorMeters = Layer.effect(
  SessionMeters,
  Effect.gen(function*() {
    const local = yield* SessionMeters
    const hub = yield* MetricsHub
    return SessionMeters.of({ track: local.track, publish: Effect.andThen(local.publish, hub.flush) })
  })
).pipe(Layer.provide(SessionMeters.layer))

/** The coordinator of `count` data-plane workers (src/workers/Coordinator.ts). */
const withWorkers = (options: ProxyOptions, count: number) => {
  // The exporters read the hub's registry: every series, merged over the coordinator and workers.
  const observability = Layer.unwrap(
    Effect.map(MetricsHub, (hub) =>
      Observability.layerWith(coordinatorMeters).pipe(Layer.provide(Layer.succeed(Metric.MetricRegistry, hub.registry))))
  ).pipe(Layer.provideMerge(MetricsHub.layer))
  // Workers answer ban lookups from a mirror of the list, kept current by the BanList itself.
  const bans = makeBanMirror()
  const services = controlPlane(observability, BanList.layerWith(bans.publish))
  const pool = Layer.unwrap(
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const config = yield* SubscriptionRef.get(store.config)
      const level = yield* References.MinimumLogLevel
      const logs: WorkerLogs = options.workerLogFormat === undefined
        ? { _tag: "Forward", level }
        : { _tag: "Stdout", format: options.workerLogFormat, level }
      return Coordinator.layer({
        count,
        configPath: store.path,
        bind: options.bind ?? config.bind,
        logs,
        bans,
        onListening: options.onListening,
        entry: options.workerEntry
      })
    })
  )
  return pool.pipe(Layer.provide(services))
}

export const ProxyLayer = (options: ProxyOptions) => {
  const proxy = Layer.unwrap(
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const plan = planWorkers((yield* SubscriptionRef.get(store.config)).workerThreads)
      if (plan._tag === "Single") {
        if (plan.reason !== undefined) yield* Effect.logWarning(plan.reason)
        return singleProcess(options)
      }
      yield* Effect.logInfo(describePlan(plan))
      return withWorkers(options, plan.count)
    })
  )
  return proxy.pipe(Layer.provide(ProxyConfigStore.layer(options.configPath)), Layer.provide(NodeFileSystem.layer))
}
