/**
 * `[telemetry]`: OTLP export of traces and metrics, chosen from the loaded config.
 *
 * - `protocol = "http"` → Effect's own OTLP exporter (`effect/observability`, protobuf over
 *   HTTP, no OpenTelemetry SDK) — see OtlpHttp.ts;
 * - `protocol = "grpc"` → `@effect/opentelemetry` with the official SDK and its gRPC
 *   exporters — see OtlpGrpc.ts.
 * Both read the same Effect metrics and the same spans, so what the collector receives does
 * not depend on the transport (docs/observability.md has the measured cost of each).
 *
 * Invariant: with telemetry absent or disabled, neither module is even imported (they are
 * loaded with a dynamic `import()`), and tracing is switched off so `Effect.fn` spans cost a
 * no-op span. The relay never touches telemetry: bytes are counted by the sockets and
 * published every few seconds and at session end (SessionMeters.ts), never per chunk.
 *
 * Read once at start-up: changing `[telemetry]` needs a restart.
 */
import { Duration, Effect, Layer, Option, References, Tracer } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import type { TelemetryConfig } from "../config/TelemetryConfig.ts"

/** How often finished spans are sent (the SDK's batch processor default). */
export const TRACE_EXPORT_INTERVAL = Duration.seconds(5)

/** Shortest metrics export period: `export_interval = "0s"` would otherwise export in a busy loop. */
export const MIN_EXPORT_INTERVAL = Duration.seconds(1)

/** Bounds the final flush when the proxy stops. */
export const SHUTDOWN_TIMEOUT = Duration.seconds(3)

export interface TelemetrySettings {
  readonly endpoint: string
  readonly metrics: { readonly enabled: boolean; readonly exportInterval: Duration.Duration }
  readonly traces: { readonly enabled: boolean; readonly samplingRatio: number }
  readonly resource: { readonly serviceName: string; readonly serviceVersion: string }
}

export const settingsOf = (config: TelemetryConfig): TelemetrySettings => ({
  endpoint: config.endpoint,
  metrics: { enabled: config.metrics.enabled, exportInterval: Duration.max(config.metrics.exportInterval, MIN_EXPORT_INTERVAL) },
  traces: config.traces,
  resource: {
    serviceName: config.resource.serviceName,
    serviceVersion: config.resource.serviceVersion ?? packageJson.version
  }
})

/** Spans become no-ops: nothing is recorded, exported or put on log lines. */
export const tracingOff: Layer.Layer<never> = Layer.succeed(References.TracerEnabled, false)

/**
 * Parent-based ratio sampling for Effect's own tracer: a root span is kept with probability
 * `ratio`, and every child follows its root (Effect already marks children of an unsampled
 * span unsampled). Ratio 0 keeps nothing, 1 keeps everything.
 */
export const ratioSampled = (tracer: Tracer.Tracer, ratio: number): Tracer.Tracer =>
  Tracer.make({
    span: (options) =>
      tracer.span(
        Option.isNone(options.parent) && options.sampled && ratio < 1
          ? { ...options, sampled: ratio > 0 && Math.random() < ratio }
          : options
      ),
    ...(tracer.context === undefined ? {} : { context: tracer.context })
  })

/** The telemetry for `config`; an empty layer (tracing off) when there is none. */
export const layer = (config: TelemetryConfig | undefined): Layer.Layer<never> => {
  if (config === undefined || !config.enabled || (!config.traces.enabled && !config.metrics.enabled)) {
    return tracingOff
  }
  const settings = settingsOf(config)
  const exporters = Layer.unwrap(
    config.protocol === "http"
      ? Effect.map(Effect.promise(() => import("./OtlpHttp.ts")), (m) => m.layer(settings))
      : Effect.map(Effect.promise(() => import("./OtlpGrpc.ts")), (m) => m.layer(settings))
  )
  return config.traces.enabled ? exporters : Layer.merge(exporters, tracingOff)
}

/** One line for the start-up log. */
export const describe = (config: TelemetryConfig | undefined): string | undefined => {
  if (config === undefined || !config.enabled) return undefined
  const what = [
    config.traces.enabled ? `traces (sampling ${config.traces.samplingRatio})` : undefined,
    config.metrics.enabled ? `metrics (every ${Duration.format(config.metrics.exportInterval)})` : undefined
  ].filter((s) => s !== undefined)
  if (what.length === 0) return "telemetry: enabled, but both traces and metrics are disabled"
  return `telemetry: OTLP/${config.protocol === "grpc" ? "gRPC" : "HTTP"} to ${config.endpoint}: ${what.join(", ")}`
}
