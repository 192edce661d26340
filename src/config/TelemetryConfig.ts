/**
 * `[telemetry]`: OpenTelemetry export of metrics and traces over OTLP. Absent table = off.
 *
 * The endpoint default depends on the protocol (infrarust-ts): OTLP/gRPC listens on 4317 and
 * OTLP/HTTP on 4318, so `protocol = "http"` without an endpoint goes to `http://localhost:4318`
 * (Infrarust always defaults to 4317, which is wrong for HTTP).
 */
import { Schema, SchemaGetter } from "effect"
import { HumanDuration } from "./HumanDuration.ts"
import { Bool, defaultTable, Ratio, Str, table, withDefault } from "./TomlSchema.ts"

export const TelemetryProtocol = Schema.Literals(["grpc", "http"])
export type TelemetryProtocol = typeof TelemetryProtocol.Type

/** Where OTLP goes when `endpoint` is not set. */
export const defaultOtlpEndpoint = (protocol: TelemetryProtocol): string =>
  protocol === "grpc" ? "http://localhost:4317" : "http://localhost:4318"

const TelemetryMetrics = table({
  enabled: withDefault(Bool, true),
  /** How often metrics are exported (Infrarust parses it but never applies it). */
  exportInterval: withDefault(HumanDuration, "15s")
})

const TelemetryTraces = table({
  enabled: withDefault(Bool, true),
  samplingRatio: withDefault(Ratio, 0.1)
})

const TelemetryResource = table({
  serviceName: withDefault(Str, "infrarust"),
  /** Absent = the infrarust-ts version, filled in by the telemetry layer. */
  serviceVersion: Schema.optionalKey(Str)
})

const TelemetryFile = table({
  enabled: withDefault(Bool, false),
  endpoint: Schema.optionalKey(Str),
  protocol: withDefault(TelemetryProtocol, "grpc"),
  metrics: defaultTable(TelemetryMetrics),
  traces: defaultTable(TelemetryTraces),
  resource: defaultTable(TelemetryResource)
})

const TelemetryType = Schema.Struct({
  enabled: Schema.Boolean,
  /** Always set: the file's value or {@link defaultOtlpEndpoint}. */
  endpoint: Schema.String,
  protocol: TelemetryProtocol,
  metrics: Schema.toType(TelemetryMetrics),
  traces: Schema.toType(TelemetryTraces),
  resource: Schema.toType(TelemetryResource)
})

export const TelemetryConfig = TelemetryFile.pipe(
  Schema.decodeTo(TelemetryType, {
    decode: SchemaGetter.transform((t) => ({ ...t, endpoint: t.endpoint ?? defaultOtlpEndpoint(t.protocol) })),
    encode: SchemaGetter.transform((t) => t)
  })
)
export type TelemetryConfig = typeof TelemetryConfig.Type
