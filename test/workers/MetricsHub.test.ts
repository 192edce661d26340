/**
 * The coordinator's merged metrics: a series that no source reports any more (a worker-only
 * gauge once every worker has exited, waiting to restart) still reads as a zero of its own
 * type, so a scrape in that window works.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Metric } from "effect"
import { connectionsActive, connectionsTotal, handshakeDuration } from "../../src/observability/Metrics.ts"
import { render } from "../../src/observability/PrometheusText.ts"
import { MetricsHub } from "../../src/workers/MetricsHub.ts"

/** What a worker sends: a snapshot of its own registry after some connections. */
const workerSnapshot = Effect.gen(function*() {
  yield* Metric.modify(connectionsActive, 2)
  yield* Metric.update(Metric.withAttributes(connectionsTotal, { outcome: "relayed" }), 1)
  yield* Metric.update(handshakeDuration, 0.002)
  return Metric.snapshotUnsafe(yield* Effect.context<never>())
}).pipe(Effect.provideService(Metric.MetricRegistry, new Map()))

describe("MetricsHub", () => {
  it.effect("every worker retired: a worker-only gauge reads 0, totals stay, the exposition renders", () =>
    Effect.gen(function*() {
      const hub = yield* MetricsHub
      const exported = Context.make(Metric.MetricRegistry, hub.registry)
      const byId = (id: string) => Metric.snapshotUnsafe(exported).find((s) => s.id === id)

      hub.update(0, yield* workerSnapshot)
      assert.deepStrictEqual(byId("infrarust.connections.active")?.state, { value: 2 })

      hub.retire(0)
      assert.deepStrictEqual(byId("infrarust.connections.active")?.state, { value: 0 })
      assert.strictEqual((byId("infrarust.connections.total")?.state as Metric.CounterState<number>).count, 1)
      assert.strictEqual((byId("infrarust.handshake.duration")?.state as Metric.HistogramState).count, 1)

      const text = render(Metric.snapshotUnsafe(exported))
      assert.include(text, "\ninfrarust_connections_active 0\n")
      assert.notInclude(text, "undefined")
    }).pipe(Effect.provide(Layer.fresh(MetricsHub.layer)), Effect.provideService(Metric.MetricRegistry, new Map())))
})
