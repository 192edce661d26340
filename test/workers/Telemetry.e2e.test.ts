/**
 * OTLP with worker threads, into the real OTLP receiver: each worker exports its own spans, the
 * coordinator's spans (the status plane, the balancer) join the worker's trace through the
 * span ids a request carries, and the coordinator exports every worker's metrics merged with
 * its own.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { latestMetrics, otlpReceiver, type ReceivedSpan } from "../support/OtlpReceiver.ts"
import { descendantsOf, describeTree, SERVER, sendTraffic, startBackend, startObservedProxy } from "../observability/support.ts"

const byName = (spans: ReadonlyArray<ReceivedSpan>, name: string) => spans.filter((s) => s.name === name)

describe("OTLP with worker threads", () => {
  it.live("worker spans, coordinator spans in the same traces, merged metrics", () =>
    Effect.gen(function*() {
      const receiver = yield* otlpReceiver()
      const backend = yield* startBackend
      yield* Effect.scoped(
        Effect.gen(function*() {
          const proxy = yield* startObservedProxy(
            backend.port,
            `worker_threads = 2\n[telemetry]\nenabled = true\nprotocol = "http"\nendpoint = "http://127.0.0.1:${receiver.httpPort}"\n` +
              `[telemetry.metrics]\nexport_interval = "1s"\n[telemetry.traces]\nsampling_ratio = 1.0\n[telemetry.resource]\nservice_name = "infrarust-workers"\n`
          )
          yield* sendTraffic(proxy)
        })
      )
      const spans = receiver.spans
      const connections = byName(spans, "proxy.connection")
      assert.strictEqual(connections.length, 2, spans.map((s) => s.name).join(", "))
      for (const span of spans) assert.strictEqual(span.resource["service.name"], "infrarust-workers")
      const status = connections.find((s) => s.attributes["proxy.outcome"] === "status")!
      const login = connections.find((s) => s.attributes["proxy.outcome"] === "relayed")!
      assert.isDefined(status)
      assert.isDefined(login)
      // proxy.status runs on the coordinator, under the worker's status exchange.
      assert.include(descendantsOf(spans, status).map((s) => s.name), "proxy.status", describeTree(spans, status))
      assert.include(descendantsOf(spans, login).map((s) => s.name), "Balancer.connect", describeTree(spans, login))
      for (const span of [...descendantsOf(spans, status), ...descendantsOf(spans, login)]) {
        assert.include([status.traceId, login.traceId], span.traceId)
      }

      const metrics = latestMetrics(receiver)
      const point = (name: string, attributes: Record<string, string> = {}) =>
        metrics.get(name)?.points.find((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
      assert.strictEqual(point("infrarust.connections.total", { outcome: "status" })?.value, 1)
      assert.strictEqual(point("infrarust.connections.total", { outcome: "relayed" })?.value, 1)
      assert.strictEqual(point("infrarust.connections.active")?.value, 0)
      assert.strictEqual(point("infrarust.handshake.duration")?.count, 2)
      assert.isAbove(point("infrarust.bytes.relayed", { server: SERVER, direction: "b2c" })?.value ?? 0, 0)
      assert.strictEqual(point("infrarust.session.duration", { server: SERVER })?.count, 1)
      assert.strictEqual(point("infrarust.players.online", { server: SERVER })?.value, 0)
      assert.strictEqual(point("infrarust.status.fetch.duration", { server: SERVER })?.count, 1)
    }), { timeout: 30_000 })
})
