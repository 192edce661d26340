/**
 * Observability for the running proxy, as one layer built from the loaded config and provided
 * under every other service (see ProxyLayer.ts), so connection fibers and background work
 * alike see the same tracer and metrics registry:
 *
 * - `[telemetry]` → OTLP traces and metrics (Telemetry.ts), or tracing off when absent;
 * - `[metrics] bind` → the Prometheus endpoint (Prometheus.ts), when the table is present;
 * - `SessionMeters`, which publishes relayed bytes while sessions run.
 *
 * Being low in the stack, it is released last: spans and metrics of connections that end
 * during shutdown are still flushed to the collector.
 */
import { Effect, Layer, SubscriptionRef } from "effect"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import type { MetricsListenError } from "./Prometheus.ts"
import { SessionMeters } from "./SessionMeters.ts"
import * as Telemetry from "./Telemetry.ts"

/**
 * With another `SessionMeters` (the coordinator of worker threads makes a scrape ask every
 * worker for fresh numbers first: src/workers/MetricsHub.ts).
 */
export const layerWith = <R>(
  meters: Layer.Layer<SessionMeters, never, R>
): Layer.Layer<SessionMeters, MetricsListenError, ProxyConfigStore | R> => Layer.unwrap(
  Effect.gen(function*() {
    const store = yield* ProxyConfigStore
    const config = yield* SubscriptionRef.get(store.config)
    const line = Telemetry.describe(config.telemetry)
    const announce = line === undefined ? Layer.empty : Layer.effectDiscard(Effect.logInfo(line))
    const bind = config.metrics?.bind
    // Like the exporters, the HTTP server is loaded only when configured.
    const prometheus = bind === undefined ? Layer.empty : Layer.unwrap(
      Effect.map(Effect.promise(() => import("./Prometheus.ts")), (m) => m.layer({ host: bind.host, port: bind.port }))
    )
    return Layer.mergeAll(Telemetry.layer(config.telemetry), announce, prometheus).pipe(
      Layer.provideMerge(meters)
    )
  })
)

export const layer: Layer.Layer<SessionMeters, MetricsListenError, ProxyConfigStore> = layerWith(SessionMeters.layer)
