/**
 * The `[metrics]` Prometheus endpoint: its output parses under a strict exposition-format
 * parser (PrometheusParser.ts), names follow the OpenTelemetry → Prometheus rules, and the
 * counters move with real traffic — live sessions included, before they end.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import * as Net from "node:net"
import * as Metrics from "../../src/observability/Metrics.ts"
import { prometheusName, render } from "../../src/observability/PrometheusText.ts"
import { joinAndStay } from "../support/McClients.ts"
import { waitUntil } from "../support/Poll.ts"
import type { ProxyFixture } from "../support/ProxyHarness.ts"
import { parsePrometheus, sampleValue } from "./PrometheusParser.ts"
import { HOST, SERVER, sendTraffic, startBackend, startObservedProxy, VERSION } from "./support.ts"

const withRegistry = <A, E>(effect: Effect.Effect<A, E>) => Effect.provideService(effect, Metric.MetricRegistry, new Map())

describe("Prometheus text", () => {
  it("names: dots to underscores, units, _total once", () => {
    assert.strictEqual(prometheusName(Metrics.connectionsTotal.id, "Counter", "{connection}"), "infrarust_connections_total")
    assert.strictEqual(prometheusName(Metrics.rejections.id, "Counter"), "infrarust_rejections_total")
    assert.strictEqual(prometheusName(Metrics.bytesRelayed.id, "Counter", "By"), "infrarust_bytes_relayed_total")
    assert.strictEqual(prometheusName(Metrics.handshakeDuration.id, "Histogram", "s"), "infrarust_handshake_duration_seconds")
    assert.strictEqual(prometheusName(Metrics.connectionsActive.id, "Gauge", "{connection}"), "infrarust_connections_active")
    assert.strictEqual(prometheusName("app.payload.size", "Histogram", "By"), "app_payload_size_bytes")
  })

  it.effect("every metric kind renders as valid exposition, label values escaped", () =>
    withRegistry(Effect.gen(function*() {
      yield* Metric.update(Metric.withAttributes(Metrics.connectionsTotal, { outcome: "relayed" }), 3)
      yield* Metric.update(Metric.withAttributes(Metrics.rejections, { reason: "odd \"quoted\"\nname\\" }), 1)
      yield* Metric.update(Metrics.connectionsActive, 2)
      for (const v of [0.0001, 0.003, 0.2, 99]) yield* Metric.update(Metrics.handshakeDuration, v)
      const text = render(yield* Metric.snapshot)
      const families = parsePrometheus(text)
      assert.strictEqual(families.get("infrarust_connections_total")?.type, "counter")
      assert.strictEqual(families.get("infrarust_handshake_duration_seconds")?.type, "histogram")
      assert.strictEqual(sampleValue(families, "infrarust_connections_total", { outcome: "relayed" }), 3)
      assert.strictEqual(sampleValue(families, "infrarust_rejections_total", { reason: "odd \"quoted\"\nname\\" }), 1)
      assert.strictEqual(sampleValue(families, "infrarust_handshake_duration_seconds_count"), 4)
      assert.strictEqual(sampleValue(families, "infrarust_handshake_duration_seconds_bucket", { le: "+Inf" }), 4)
      assert.include(text, "# HELP infrarust_connections_active Client connections currently open (any stage)\n")
    })))

  it("the parser is strict", () => {
    const bad = [
      "x 1", // no trailing newline
      "1x 1\n",
      "x{a=\"1\"} \n",
      "x{a=\"\\t\"} 1\n",
      "x{a=1} 1\n",
      "# TYPE x counter\nx -1\n",
      "# TYPE x counter\nx 1\n# TYPE x counter\n",
      "# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx{a=\"b\"} 2\n",
      "x 1\nx 2\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n"
    ]
    for (const text of bad) assert.throws(() => parsePrometheus(text), undefined, undefined, JSON.stringify(text))
    assert.doesNotThrow(() =>
      parsePrometheus("# HELP h Help.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3.5\nh_count 2\n")
    )
  })
})

const scrape = (port: number, path = "/metrics") =>
  Effect.promise(async () => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`)
    return { status: response.status, type: response.headers.get("content-type"), body: await response.text() }
  })

const metricsPortOf = (proxy: ProxyFixture): number => {
  const line = proxy.logs.find((l) => l.message.startsWith("metrics: Prometheus endpoint on http://127.0.0.1:"))
  const port = /:(\d+)\/metrics/.exec(line?.message ?? "")?.[1]
  if (port === undefined) throw new Error(`no metrics endpoint in the logs: ${JSON.stringify(proxy.logs)}`)
  return Number(port)
}

/** A player that stays connected until the scope closes. */
const stayer = (port: number) =>
  Effect.acquireRelease(
    Effect.promise(() => joinAndStay(VERSION, port, HOST, "Stayer", { timeoutMs: 8000 })),
    (player) => Effect.sync(() => player.leave())
  )

describe("[metrics] endpoint", () => {
  it.live("a bind address that is taken stops start-up with a clear error", () =>
    Effect.gen(function*() {
      const taken = yield* Effect.acquireRelease(
        Effect.promise(() => new Promise<Net.Server>((resolve) => {
          const server = Net.createServer().listen(0, "127.0.0.1", () => resolve(server))
        })),
        (server) => Effect.sync(() => server.close())
      )
      const port = (taken.address() as Net.AddressInfo).port
      const error = yield* Effect.flip(Effect.scoped(startObservedProxy(1, `[metrics]\nbind = "127.0.0.1:${port}"`)))
      assert.strictEqual((error as { _tag?: string })._tag, "MetricsListenError")
      assert.match((error as Error).message, new RegExp(`^cannot listen on 127\\.0\\.0\\.1:${port} for \\[metrics\\]: .*EADDRINUSE`))
    }))

  it.live("serves valid exposition whose counters move with traffic, live sessions included", () =>
    Effect.gen(function*() {
      const backend = yield* startBackend
      const proxy = yield* startObservedProxy(backend.port, `[metrics]\nbind = "127.0.0.1:0"`)
      const port = metricsPortOf(proxy)

      const before = yield* scrape(port)
      assert.strictEqual(before.status, 200)
      assert.strictEqual(before.type, "text/plain; version=0.0.4; charset=utf-8")
      const empty = parsePrometheus(before.body)
      assert.isUndefined(sampleValue(empty, "infrarust_connections_total", { outcome: "relayed" }))
      assert.strictEqual((yield* scrape(port, "/other")).status, 404)

      yield* sendTraffic(proxy)
      // The ended session leaves at once (its connection scope closes), not at shutdown.
      let after = parsePrometheus((yield* scrape(port)).body)
      for (let i = 0; i < 50 && sampleValue(after, "infrarust_connections_active") !== 0; i++) {
        yield* Effect.sleep("20 millis")
        after = parsePrometheus((yield* scrape(port)).body)
      }
      assert.strictEqual(sampleValue(after, "infrarust_connections_total", { outcome: "status" }), 1)
      assert.strictEqual(sampleValue(after, "infrarust_connections_total", { outcome: "relayed" }), 1)
      assert.strictEqual(sampleValue(after, "infrarust_connections_active"), 0)
      assert.strictEqual(sampleValue(after, "infrarust_players_online", { server: SERVER }), 0)
      assert.strictEqual(sampleValue(after, "infrarust_handshake_duration_seconds_count"), 2)
      assert.strictEqual(sampleValue(after, "infrarust_backend_connect_duration_seconds_count", { server: SERVER }), 1)
      assert.strictEqual(sampleValue(after, "infrarust_session_duration_seconds_count", { server: SERVER }), 1)
      const b2c = sampleValue(after, "infrarust_bytes_relayed_total", { server: SERVER, direction: "b2c" }) ?? 0
      assert.isAbove(b2c, 0)
      assert.strictEqual(after.get("infrarust_bytes_relayed_total")?.type, "counter")

      // A session still running: the scrape publishes its bytes first.
      yield* Effect.scoped(Effect.gen(function*() {
        yield* stayer(proxy.port)
        yield* waitUntil(() => proxy.logs.filter((l) => l.message.startsWith("session started")).length === 2, "the second session")
        const live = parsePrometheus((yield* scrape(port)).body)
        assert.strictEqual(sampleValue(live, "infrarust_players_online", { server: SERVER }), 1)
        assert.strictEqual(sampleValue(live, "infrarust_connections_active"), 1)
        assert.isAbove(sampleValue(live, "infrarust_bytes_relayed_total", { server: SERVER, direction: "b2c" }) ?? 0, b2c)
      }))
    }), { timeout: 30_000 })
})
