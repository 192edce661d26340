/**
 * `[telemetry] protocol = "http"`: OTLP/HTTP with protobuf bodies (`POST /v1/traces`,
 * `/v1/metrics` under the endpoint), using Effect's built-in exporter — no OpenTelemetry SDK,
 * and `node:http` as the client (already loaded by the process).
 *
 * Loaded only through Telemetry.ts's dynamic import, so a proxy without telemetry never
 * evaluates this module.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer, Tracer } from "effect"
import * as OtlpExporter from "effect/observability/OtlpExporter"
import * as OtlpMetrics from "effect/observability/OtlpMetrics"
import * as OtlpSerialization from "effect/observability/OtlpSerialization"
import * as OtlpTracer from "effect/observability/OtlpTracer"
import { ratioSampled, SHUTDOWN_TIMEOUT, TRACE_EXPORT_INTERVAL, type TelemetrySettings } from "./Telemetry.ts"

/** `http://collector:4318` (or with a trailing slash) + `/v1/traces`, as the OTLP spec says. */
export const signalUrl = (endpoint: string, signal: "traces" | "metrics"): string =>
  `${endpoint.replace(/\/+$/, "")}/v1/${signal}`

export const layer = (settings: TelemetrySettings): Layer.Layer<never> => {
  const resource = settings.resource
  const tracer = settings.traces.enabled
    ? Layer.effect(
      Tracer.Tracer,
      Effect.map(
        OtlpTracer.make({
          url: signalUrl(settings.endpoint, "traces"),
          resource,
          exportInterval: TRACE_EXPORT_INTERVAL,
          shutdownTimeout: SHUTDOWN_TIMEOUT
        }),
        (tracer) => ratioSampled(tracer, settings.traces.samplingRatio)
      )
    )
    : Layer.empty
  const metrics = settings.metrics.enabled
    ? Layer.effectDiscard(OtlpMetrics.make({
      url: signalUrl(settings.endpoint, "metrics"),
      resource,
      exportInterval: settings.metrics.exportInterval,
      shutdownTimeout: SHUTDOWN_TIMEOUT
    }))
    : Layer.empty
  return Layer.mergeAll(tracer, metrics).pipe(
    Layer.provide(OtlpExporter.layerFlusher),
    Layer.provide(OtlpSerialization.layerProtobuf),
    Layer.provide(NodeHttpClient.layerNodeHttp)
  )
}
