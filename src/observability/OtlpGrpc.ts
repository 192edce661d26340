/**
 * `[telemetry] protocol = "grpc"` (the default, port 4317): `@effect/opentelemetry`'s NodeSdk
 * with the official OpenTelemetry SDK 2.x and its OTLP/gRPC exporters. Effect's own exporter
 * speaks only OTLP/HTTP, so gRPC goes through the SDK.
 *
 * - Spans: Effect spans become SDK spans (`OtelTracer`), batched every
 *   {@link TRACE_EXPORT_INTERVAL}; sampling is the SDK's `ParentBased(TraceIdRatioBased)`.
 * - Metrics: the SDK's periodic reader pulls the same Effect metrics registry every
 *   `export_interval` (cumulative temporality).
 *
 * Version trap: the 0.30x exporters need `@opentelemetry/api` ^1.10 and SDK 3.x, which
 * `@effect/opentelemetry` 4.1 does not accept; the 0.21x exporters pair with SDK 2.x.
 * Loaded only through Telemetry.ts's dynamic import.
 */
import * as NodeSdk from "@effect/opentelemetry/NodeSdk"
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc"
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc"
import { PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics"
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler } from "@opentelemetry/sdk-trace-base"
import { Duration, type Layer } from "effect"
import { SHUTDOWN_TIMEOUT, TRACE_EXPORT_INTERVAL, type TelemetrySettings } from "./Telemetry.ts"

/** The SDK refuses an export timeout longer than the interval. */
const EXPORT_TIMEOUT_MS = 10_000

export const layer = (settings: TelemetrySettings): Layer.Layer<never> =>
  NodeSdk.layer(() => {
    // At least MIN_EXPORT_INTERVAL already (Telemetry.settingsOf).
    const intervalMs = Duration.toMillis(settings.metrics.exportInterval)
    return {
      resource: settings.resource,
      shutdownTimeout: SHUTDOWN_TIMEOUT,
      ...(settings.traces.enabled
        ? {
          spanProcessor: new BatchSpanProcessor(new OTLPTraceExporter({ url: settings.endpoint }), {
            scheduledDelayMillis: Duration.toMillis(TRACE_EXPORT_INTERVAL)
          }),
          tracerConfig: {
            sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.traces.samplingRatio) })
          }
        }
        : {}),
      ...(settings.metrics.enabled
        ? {
          metricReader: new PeriodicExportingMetricReader({
            exporter: new OTLPMetricExporter({ url: settings.endpoint }),
            exportIntervalMillis: intervalMs,
            exportTimeoutMillis: Math.min(EXPORT_TIMEOUT_MS, intervalMs)
          })
        }
        : {})
    }
  })
