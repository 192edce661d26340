/**
 * The composition of one data-plane worker thread: the same connection pipeline as the
 * single-process proxy (ConnectionHandler, relays, IdleWatch, zero_copy), over remote
 * implementations of the services whose state the coordinator holds for every worker.
 *
 * Reading bottom-up: the channel to the coordinator → the pushed config and servers → traces
 * (each worker exports its own spans; metrics go to the coordinator, see MetricsHub.ts) and
 * the metrics shipper → the routing table, built here from the pushed servers → the remote
 * services (Sessions, Events, Commands, Balancer, StatusService, RateLimiter, BanList,
 * LogThrottle) and the local ones (IpFilter, a pure function of the pushed config; IdleWatch;
 * ZeroCopy) → the handler → the listener, bound when the coordinator says `listen`, on the
 * shared port (SO_REUSEPORT), counting connections in the shared slots (ConnectionSlots.ts),
 * and moved when the coordinator says `rebind` (a changed `bind`; workers/WorkerBind.ts).
 *
 * The shipper sits below the listener, so its final snapshot, sent when the worker stops,
 * includes the sessions the drain closed.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Deferred, Duration, Effect, Layer, Metric, SubscriptionRef } from "effect"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ConnectionHandler } from "../connection/ConnectionHandler.ts"
import { ProxyModes } from "../mode/ProxyModes.ts"
import { ServerKeyPair } from "../auth/ServerKeyPair.ts"
import { SessionServer } from "../auth/SessionServer.ts"
import { Forwarding } from "../forwarding/Forwarding.ts"
import { listen } from "../connection/Listener.ts"
import { SessionMeters } from "../observability/SessionMeters.ts"
import * as Telemetry from "../observability/Telemetry.ts"
import { IdleWatch } from "../relay/IdleWatch.ts"
import { ZeroCopy } from "../relay/ZeroCopy.ts"
import { Router } from "../routing/Router.ts"
import { IpFilter } from "../security/IpFilter.ts"
import { slotsOf } from "./ConnectionSlots.ts"
import type { WorkerData } from "./Ops.ts"
import { Limbo } from "../limbo/Limbo.ts"
import { LimboHandlers } from "../limbo/LimboHandlers.ts"
import { LimboRegistries } from "../limbo/LimboRegistries.ts"
import { configurationFramesToLimbo } from "../mode/intercepted/ConfigurationFrames.ts"
import * as RemoteBalancer from "./remote/RemoteBalancer.ts"
import * as RemoteCommands from "./remote/RemoteCommands.ts"
import * as RemoteConfig from "./remote/RemoteConfig.ts"
import * as RemoteSecurity from "./remote/RemoteSecurity.ts"
import * as RemoteEvents from "./remote/RemoteEvents.ts"
import * as RemoteSessions from "./remote/RemoteSessions.ts"
import * as RemoteStatus from "./remote/RemoteStatus.ts"
import * as RemoteWake from "./remote/RemoteWake.ts"
import { WorkerChannel } from "./WorkerChannel.ts"

/** How often a worker sends its metrics to the coordinator (and on every scrape). */
const METRICS_INTERVAL = Duration.seconds(1)

/** Traces only: this worker's metrics are exported by the coordinator. */
const telemetry = Layer.unwrap(
  Effect.gen(function*() {
    const store = yield* ProxyConfigStore
    const config = (yield* SubscriptionRef.get(store.config)).telemetry
    return Telemetry.layer(config === undefined ? undefined : { ...config, metrics: { ...config.metrics, enabled: false } })
  })
)

const metricsShipper = Layer.effectDiscard(
  Effect.gen(function*() {
    const channel = yield* WorkerChannel
    const meters = yield* SessionMeters
    const context = yield* Effect.context<never>()
    const send = Effect.sync(() => channel.link.cast("metrics", Metric.snapshotUnsafe(context)))
    const publish = Effect.andThen(meters.publish, send)
    channel.onFlush(publish)
    yield* send.pipe(Effect.delay(METRICS_INTERVAL), Effect.forever, Effect.forkScoped)
    yield* Effect.addFinalizer(() => publish)
  })
)

const listener = Layer.effectDiscard(
  Effect.gen(function*() {
    const channel = yield* WorkerChannel
    const store = yield* ProxyConfigStore
    const handler = yield* ConnectionHandler
    const config = yield* SubscriptionRef.get(store.config)
    channel.link.cast("ready", undefined)
    // Stopped before it was told to listen (start-up failed elsewhere): end the build.
    const address = yield* Effect.raceFirst(
      Deferred.await(channel.listen),
      Effect.andThen(Deferred.await(channel.stop), Effect.interrupt)
    )
    const listening = yield* listen(
      {
        host: address.host,
        port: address.port,
        reusePort: true,
        maxConnections: config.maxConnections,
        slots: slotsOf(channel.data.slots).forWorker(channel.data.index),
        shutdownTimeout: config.shutdownTimeout
      },
      handler.handle,
      handler.context,
      handler.admission
    )
    // Always SO_REUSEPORT: the other workers bind the same address.
    channel.onRebind((to) => Effect.map(listening.rebind({ ...to, reusePort: true }), (bound) => bound.port))
    channel.link.cast("listening", listening.address.port)
  })
)

export const workerLayer = (data: WorkerData) => {
  const base = RemoteConfig.layer.pipe(Layer.provideMerge(WorkerChannel.layer(data)), Layer.provideMerge(NodeFileSystem.layer))
  const observability = Layer.mergeAll(telemetry, metricsShipper).pipe(
    Layer.provideMerge(SessionMeters.layer),
    Layer.provideMerge(base)
  )
  const services = Layer.mergeAll(
    Router.layerQuiet,
    RemoteSessions.layer,
    RemoteEvents.layer,
    RemoteCommands.layer,
    RemoteBalancer.layer,
    RemoteStatus.layer,
    RemoteSecurity.layer,
    RemoteWake.layer,
    IpFilter.layer,
    IdleWatch.layer,
    ZeroCopy.layer,
    ServerKeyPair.layer,
    SessionServer.layer,
    Forwarding.layer
  ).pipe(Layer.provideMerge(observability))
  // Limbo handlers are plugins' code, which runs in the coordinator: a worker's limbo has none
  // (a login that needs one is refused with "No limbo handlers configured"; docs/limbo.md).
  const limbo = configurationFramesToLimbo.pipe(
    Layer.provideMerge(Limbo.layer),
    Layer.provideMerge(Layer.mergeAll(LimboHandlers.layer, LimboRegistries.layer))
  )
  const handler = ConnectionHandler.layer.pipe(Layer.provideMerge(ProxyModes.layer), Layer.provideMerge(limbo), Layer.provideMerge(services))
  return listener.pipe(Layer.provideMerge(handler))
}
