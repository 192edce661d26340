/**
 * `[metrics] bind` (infrarust-ts): `GET /metrics` in the Prometheus text format, for operators
 * without an OpenTelemetry collector. It serves the same Effect metrics the OTLP exporters
 * read (names in PrometheusText.ts), and publishes the live sessions' byte counts first so a
 * scrape is never up to {@link PUBLISH_INTERVAL} behind.
 *
 * Independent of `[telemetry]`: either, both or neither can be on.
 */
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Duration, Effect, Layer, Metric, Schema } from "effect"
import { HttpRouter, HttpServer, HttpServerResponse } from "effect/http"
import { createServer } from "node:http"
import { render } from "./PrometheusText.ts"
import { formatHostPort } from "../config/HostPort.ts"
import { SessionMeters } from "./SessionMeters.ts"

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

export class MetricsListenError extends Schema.TaggedError<MetricsListenError>()("MetricsListenError", {
  address: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot listen on ${this.address} for [metrics]: ${this.detail}`
  }
}

export interface PrometheusOptions {
  readonly host: string
  readonly port: number
  /** Called once the endpoint is bound (tests learn the port this way). */
  readonly onListening?: ((port: number) => void) | undefined
}

export const layer = (options: PrometheusOptions): Layer.Layer<never, MetricsListenError, SessionMeters> => {
  const routes = HttpRouter.use((router) =>
    Effect.gen(function*() {
      const meters = yield* SessionMeters
      // Read the registry of the proxy's context, whatever the HTTP server's fibers carry.
      const services = yield* Effect.context<never>()
      const scrape = Effect.andThen(
        meters.publish,
        Effect.sync(() => HttpServerResponse.text(render(Metric.snapshotUnsafe(services)), { contentType: CONTENT_TYPE }))
      )
      yield* router.add("GET", "/metrics", scrape)
    })
  )
  const announce = Layer.effectDiscard(
    Effect.gen(function*() {
      const server = yield* HttpServer.HttpServer
      const port = server.address._tag === "UnixPathAddress" ? options.port : server.address.port
      yield* Effect.logInfo(`metrics: Prometheus endpoint on http://${formatHostPort(options.host, port)}/metrics`)
      options.onListening?.(port)
    })
  )
  return Layer.mergeAll(HttpRouter.serve(routes, { disableLogger: true, disableListenLog: true }), announce).pipe(
    Layer.provide(
      NodeHttpServer.layer(() => createServer(), {
        host: options.host,
        port: options.port,
        // Scrapers keep connections open; do not hold a shutdown for them.
        gracefulShutdownTimeout: Duration.millis(500)
      })
    ),
    Layer.catchTag("ServeError", (error) =>
      Layer.effectDiscard(Effect.fail(
        new MetricsListenError({
          address: formatHostPort(options.host, options.port),
          detail: error.cause instanceof Error ? error.cause.message : String(error.cause)
        })
      )))
  )
}
