/**
 * The composition root: every service of the running proxy, wired in one place.
 *
 * `worker_threads` picks one of two compositions (src/workers/WorkerPlan.ts):
 *
 * - One process (one worker, or no SO_REUSEPORT): reading bottom-up, the global config store
 *   (watched file) → the servers directory (and Docker discovery) → the router → the per-connection services → the
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
import { DemoBackend } from "./demo/DemoBackend.ts"
import { ConnectionHandler } from "./connection/ConnectionHandler.ts"
import { DockerDiscovery } from "./docker/DockerDiscovery.ts"
import { listen } from "./connection/Listener.ts"
import { followBind } from "./connection/BindFollower.ts"
import type { LogFormat } from "./observability/Logging.ts"
import * as Observability from "./observability/Observability.ts"
import { LogThrottle } from "./observability/LogThrottle.ts"
import { SessionMeters } from "./observability/SessionMeters.ts"
import { IdleWatch } from "./relay/IdleWatch.ts"
import { ZeroCopy } from "./relay/ZeroCopy.ts"
import { Router } from "./routing/Router.ts"
import { BanList } from "./security/BanList.ts"
import { IpFilter } from "./security/IpFilter.ts"
import { RateLimiter, type RateTables } from "./security/RateLimiter.ts"
import { sharedRateMemory, sharedRateTables } from "./security/SharedBucketTable.ts"
import { sessionIdMemory, type SessionIds, sharedSessionIds } from "./session/SessionIds.ts"
import { Sessions } from "./session/Sessions.ts"
import { EventBus } from "./event/EventBus.ts"
import { initialized, ShutdownEvent } from "./event/Lifecycle.ts"
import { ReloadEvents } from "./event/ReloadEvents.ts"
import { Limbo } from "./limbo/Limbo.ts"
import { configurationFramesToLimbo } from "./mode/intercepted/ConfigurationFrames.ts"
import { LimboHandlers } from "./limbo/LimboHandlers.ts"
import { LimboRegistries } from "./limbo/LimboRegistries.ts"
import { PluginHost } from "./plugin/PluginHost.ts"
import { BuiltinPluginsLive } from "./plugins/builtin/Builtins.ts"
import { ServerKeyPair } from "./auth/ServerKeyPair.ts"
import { CommandRegistry } from "./command/CommandRegistry.ts"
import { SessionServer } from "./auth/SessionServer.ts"
import { Forwarding } from "./forwarding/Forwarding.ts"
import { WasmHost } from "./wasm/WasmHost.ts"
import { ProxyModes } from "./mode/ProxyModes.ts"
import { announceListening } from "./connection/StartupReport.ts"
import { ServerManager } from "./server-manager/ServerManager.ts"
import { ServerProviders } from "./server-manager/ServerProviders.ts"
import { ServerWake } from "./server-manager/ServerWake.ts"
import { StatusCache } from "./status/StatusCache.ts"
import { StatusService } from "./status/StatusService.ts"
import { AdminActions } from "./admin/AdminActions.ts"
import { AdminLayer } from "./admin/AdminServer.ts"
import { type ConsoleOptions, ConsoleLayer } from "./admin/Console.ts"
import type { LogRing } from "./observability/LogRing.ts"
import * as Coordinator from "./workers/Coordinator.ts"
import { makeBanMirror } from "./workers/BanMirror.ts"
import { MetricsHub } from "./workers/MetricsHub.ts"
import type { WorkerLogs } from "./workers/Ops.ts"
import { describePlan, planWorkers, usesLimboHandlers } from "./workers/WorkerPlan.ts"

export interface ProxyOptions {
  readonly configPath: string
  /** `--plugins-dir`; overrides `plugins_dir`. */
  readonly pluginsDir?: string | undefined
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
  /** The process's log lines, for the admin API's log history and stream (src/main.ts installs it). */
  readonly logRing?: LogRing | undefined
  /** Stops the proxy as SIGTERM would (the admin API's shutdown, the console's `stop`). */
  readonly requestShutdown?: Effect.Effect<void> | undefined
  /** Called once the admin API listens (with `[web]`). */
  readonly onAdminListening?: ((address: { readonly host: string; readonly port: number }) => void) | undefined
  /** The stdin console (src/main.ts gives it process.stdin). */
  readonly console?: Omit<ConsoleOptions, "requestShutdown"> | undefined
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
        handler.handle,
        handler.context,
        handler.admission
      )
      yield* announceListening(bind.host, listening.address.port, config, yield* SubscriptionRef.get(router.table))
      options.onListening?.({ host: bind.host, port: listening.address.port })
      // A changed bind/so_reuseport moves the listener; live connections stay (BindFollower.ts).
      yield* Effect.forkScoped(followBind(store.config, listening, options.bind, (address) => options.onListening?.(address)))
      yield* initialized
    })
  )

/**
 * The shared-state services, the same in one process and in the coordinator: servers → router →
 * sessions and log throttle → balancer → status plane → rate limits and bans.
 */
const controlPlane = <A, E, R, EB, RB>(
  observability: Layer.Layer<A, E, R>,
  bans: Layer.Layer<BanList, EB, RB>,
  /** The rate-limit buckets and session ids, when shared with worker threads. */
  shared?: { readonly rates: RateTables; readonly sessionIds: SessionIds }
) => {
  // Tracer, metrics endpoint and session meters sit under everything else (released last).
  const files = ServersDirectory.layer.pipe(Layer.provideMerge(observability))
  // Docker containers join the same server list (with [docker]) before the router first reads it.
  const servers = DockerDiscovery.pipe(Layer.provideMerge(files))
  // The first-run demo backend (servers with demo = true) listens before anyone is routed to it.
  const routing = Router.layer.pipe(Layer.provideMerge(DemoBackend.layer.pipe(Layer.provideMerge(servers))))
  // Events sit low: every service above may fire them, and plugins listen from the top.
  const registry = Layer.mergeAll(Sessions.layerWith(shared?.sessionIds), LogThrottle.layer, EventBus.layer)
  // The balancer follows the routing table (health checks per server) and reads live sessions.
  const balancing = Balancer.layer.pipe(Layer.provideMerge(registry), Layer.provideMerge(routing))
  // The server manager follows the servers directory and announces its states on the bus; the
  // status plane only reads them (a ping never starts a server).
  const managing = Layer.mergeAll(ServerManager.layerServerStates, ServerManager.layerEvents, ServerWake.layer).pipe(
    Layer.provideMerge(ServerManager.layer),
    Layer.provideMerge(ServerProviders.layer),
    Layer.provideMerge(balancing)
  )
  // The status cache is its own layer so a test or a plugin can swap it.
  const status = StatusService.layer.pipe(Layer.provideMerge(StatusCache.layer), Layer.provideMerge(managing))
  // Rate limits and bans follow the live [rate_limit] and [ban]; forwarding is checked against the
  // servers at start-up (a raw relay cannot carry Velocity forwarding: a configuration error).
  const security = Layer.mergeAll(RateLimiter.layerWith(shared?.rates), bans, Forwarding.layer).pipe(Layer.provideMerge(status))
  // The limbo and its handler registry sit under the plugins, which register limbo handlers.
  const limbo = Limbo.layer.pipe(Layer.provideMerge(Layer.mergeAll(LimboHandlers.layer, LimboRegistries.layer)))
  // The proxy's commands (/ir and plugins'): sessions run them, plugins above register theirs.
  const commands = CommandRegistry.layer.pipe(Layer.provideMerge(security))
  // WebAssembly plugins load after the Layer plugins, through the plugin host; the built-in
  // plugins (server_wake reaches the server manager) are handed to it from above.
  const plugins = PluginHost.layer.pipe(Layer.provideMerge(WasmHost.layer), Layer.provideMerge(limbo), Layer.provide(BuiltinPluginsLive))
  // Plugins load last, over every service they may use, with ConfigReload events beside them;
  // ProxyShutdown fires once everything above (the listener or the workers) has stopped.
  // (Above the plugins, so it is released before they unload.)
  return ShutdownEvent.pipe(Layer.provideMerge(Layer.mergeAll(plugins, ReloadEvents)), Layer.provideMerge(commands))
}

/** Everything in one process, as before worker threads existed. */
/**
 * Every service of the one-process proxy below the connection handler: the control plane and the
 * data plane's own services (IP filters follow the live [ip_filter]). Tests drive the pipeline's
 * stages over it with in-memory sockets.
 */
export const proxyServices = ProxyModes.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(IdleWatch.layer, ZeroCopy.layer, IpFilter.layer, ServerKeyPair.layer, SessionServer.layer, configurationFramesToLimbo)),
  Layer.provideMerge(controlPlane(Observability.layer, BanList.layer))
)

/**
 * The operator's side, over the control plane: the admin API (with `[web]`) and the stdin
 * console (when the entry point gives one), sharing one set of admin actions.
 */
const hostPort = (a: { readonly host: string; readonly port: number }) => `${a.host.includes(":") ? `[${a.host}]` : a.host}:${a.port}`

const adminPlane = (options: ProxyOptions, listening: { address: string | undefined }) =>
  Layer.unwrap(Effect.gen(function*() {
    const store = yield* ProxyConfigStore
    const bind = options.bind ?? (yield* SubscriptionRef.get(store.config)).bind
    const admin = AdminLayer({
      proxyBind: () => listening.address ?? hostPort(bind),
      logRing: options.logRing,
      requestShutdown: options.requestShutdown,
      onListening: options.onAdminListening
    })
    const console = options.console === undefined ? Layer.empty : ConsoleLayer({ ...options.console, requestShutdown: options.requestShutdown })
    return Layer.mergeAll(admin, console).pipe(Layer.provide(AdminActions.layer))
  }))

const singleProcess = (options: ProxyOptions, listening: { address: string | undefined }) =>
  Layer.mergeAll(ListenerLive(options), adminPlane(options, listening)).pipe(
    Layer.provide(ConnectionHandler.layer.pipe(Layer.provideMerge(proxyServices)))
  )

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
const withWorkers = (options: ProxyOptions, count: number, listening: { address: string | undefined }) => {
  // The exporters read the hub's registry: every series, merged over the coordinator and workers.
  const observability = Layer.unwrap(
    Effect.map(MetricsHub, (hub) =>
      Observability.layerWith(coordinatorMeters).pipe(Layer.provide(Layer.succeed(Metric.MetricRegistry, hub.registry))))
  ).pipe(Layer.provideMerge(MetricsHub.layer))
  // Workers answer ban lookups from a mirror of the list, kept current by the BanList itself.
  const bans = makeBanMirror()
  // Workers take rate-limit tokens from the same buckets and name sessions from the same
  // counter, in shared memory, without asking.
  const rates = sharedRateMemory()
  const sessionIds = sessionIdMemory()
  const services = controlPlane(observability, BanList.layerWith(bans.publish), {
    rates: sharedRateTables(rates),
    sessionIds: sharedSessionIds(sessionIds)
  })
  const pool = Layer.unwrap(
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const config = yield* SubscriptionRef.get(store.config)
      const level = yield* References.MinimumLogLevel
      // With the admin API's log ring, workers forward their lines so the ring has them too.
      const forward = options.workerLogFormat === undefined || (options.logRing !== undefined && config.web !== undefined)
      const logs: WorkerLogs = forward
        ? { _tag: "Forward", level }
        : { _tag: "Stdout", format: options.workerLogFormat, level }
      return Coordinator.layer({
        count,
        configPath: store.path,
        bind: options.bind ?? config.bind,
        cliBind: options.bind,
        logs,
        bans,
        rates,
        sessionIds,
        onListening: options.onListening,
        entry: options.workerEntry
      })
    })
  )
  return Layer.mergeAll(pool, adminPlane(options, listening)).pipe(Layer.provide(services))
}

type Composition = ReturnType<typeof singleProcess> | ReturnType<typeof withWorkers>
/** Either composition, as one type (the two differ only in the errors they can fail with). */
type AnyComposition = Layer.Layer<never, Layer.Error<Composition>, Layer.Services<Composition>>

export const ProxyLayer = (given: ProxyOptions) => {
  // The address the listener got (port 0 = a free port), for the admin API's proxy info.
  const listening: { address: string | undefined } = { address: undefined }
  const options: ProxyOptions = {
    ...given,
    onListening: (address) => {
      listening.address = hostPort(address)
      given.onListening?.(address)
    }
  }
  const proxy = Layer.unwrap(
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const config = yield* SubscriptionRef.get(store.config)
      const plan = planWorkers(config.workerThreads, undefined, yield* usesLimboHandlers(config.serversDir))
      if (plan._tag === "Single") {
        if (plan.reason !== undefined) yield* Effect.logWarning(plan.reason)
        if (plan.note !== undefined) yield* Effect.logInfo(plan.note)
        return singleProcess(options, listening) as AnyComposition
      }
      yield* Effect.logInfo(describePlan(plan))
      return withWorkers(options, plan.count, listening) as AnyComposition
    })
  )
  return proxy.pipe(Layer.provide(ProxyConfigStore.layer(options.configPath, { pluginsDir: options.pluginsDir })), Layer.provide(NodeFileSystem.layer))
}
