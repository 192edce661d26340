/**
 * Effect metric snapshots → Prometheus text exposition format 0.0.4, named the way the
 * OpenTelemetry Collector's Prometheus exporter would name the same OTLP metrics, so one
 * dashboard works with either path:
 *
 * - dots become underscores (`infrarust.handshake.duration` → `infrarust_handshake_duration`);
 * - the unit (the `unit` attribute) is appended unless the name already says it (`_seconds`;
 *   `bytes.relayed` stays) and is not repeated as a label;
 * - counters end in `_total` (once: `connections.total` stays `infrarust_connections_total`);
 * - histograms give `_bucket{le=...}` (cumulative, ending with `le="+Inf"`), `_sum`, `_count`.
 *
 * Pure: no I/O, no Effect runtime; the endpoint lives in Prometheus.ts.
 */
import type { Metric } from "effect"

/** UCUM units (the `unit` attribute, see Metrics.ts) → Prometheus name suffixes; `{...}` counts have none. */
const UNIT_SUFFIXES: Readonly<Record<string, string>> = { s: "seconds", ms: "milliseconds", By: "bytes" }

const sanitizeName = (name: string): string => {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, "_").replace(/_+/g, "_")
  return /^[0-9]/.test(s) ? `_${s}` : s
}

const sanitizeLabel = (name: string): string => {
  const s = name.replace(/[^a-zA-Z0-9_]/g, "_")
  return /^[0-9]/.test(s) ? `_${s}` : s
}

/** The Prometheus family name of an Effect metric. */
export const prometheusName = (id: string, type: Metric.Metric.Type, unit?: string): string => {
  let name = sanitizeName(id)
  const suffix = unit === undefined ? undefined : UNIT_SUFFIXES[unit]
  if (suffix !== undefined && !name.split("_").includes(suffix)) name += `_${suffix}`
  if ((type === "Counter" || type === "Frequency") && !name.endsWith("_total")) name += "_total"
  return name
}

const escapeLabelValue = (value: string): string => value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")
const escapeHelp = (value: string): string => value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")

export const formatNumber = (value: number | bigint): string => {
  if (typeof value === "bigint") return value.toString()
  if (Number.isNaN(value)) return "NaN"
  if (value === Number.POSITIVE_INFINITY) return "+Inf"
  if (value === Number.NEGATIVE_INFINITY) return "-Inf"
  return String(value)
}

const labels = (attributes: Metric.Metric.AttributeSet | undefined, extra?: readonly [string, string]): string => {
  const parts: Array<string> = []
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (key === "unit") continue // in the name already
    parts.push(`${sanitizeLabel(key)}="${escapeLabelValue(String(value))}"`)
  }
  if (extra !== undefined) parts.push(`${extra[0]}="${escapeLabelValue(extra[1])}"`)
  return parts.length === 0 ? "" : `{${parts.join(",")}}`
}

const typeName = (type: Metric.Metric.Type): string =>
  type === "Counter" || type === "Frequency" ? "counter" : type === "Gauge" ? "gauge" : type === "Histogram" ? "histogram" : "summary"

const samples = (name: string, m: Metric.Metric.Snapshot, out: Array<string>): void => {
  switch (m.type) {
    case "Counter":
      out.push(`${name}${labels(m.attributes)} ${formatNumber(m.state.count)}`)
      return
    case "Gauge":
      out.push(`${name}${labels(m.attributes)} ${formatNumber(m.state.value)}`)
      return
    case "Frequency":
      for (const [key, count] of m.state.occurrences) out.push(`${name}${labels(m.attributes, ["key", key])} ${count}`)
      return
    case "Histogram": {
      for (const [boundary, cumulative] of m.state.buckets) {
        if (boundary === Number.POSITIVE_INFINITY) continue
        out.push(`${name}_bucket${labels(m.attributes, ["le", formatNumber(boundary)])} ${cumulative}`)
      }
      out.push(`${name}_bucket${labels(m.attributes, ["le", "+Inf"])} ${m.state.count}`)
      out.push(`${name}_sum${labels(m.attributes)} ${formatNumber(m.state.sum)}`)
      out.push(`${name}_count${labels(m.attributes)} ${m.state.count}`)
      return
    }
    case "Summary":
      for (const [quantile, value] of m.state.quantiles) {
        if (value !== undefined) out.push(`${name}${labels(m.attributes, ["quantile", String(quantile)])} ${formatNumber(value)}`)
      }
      out.push(`${name}_sum${labels(m.attributes)} ${formatNumber(m.state.sum)}`)
      out.push(`${name}_count${labels(m.attributes)} ${m.state.count}`)
  }
}

/** The whole exposition: one family per metric name, HELP and TYPE first, samples contiguous. */
export const render = (snapshot: ReadonlyArray<Metric.Metric.Snapshot>): string => {
  const families = new Map<string, Array<Metric.Metric.Snapshot>>()
  for (const m of snapshot) {
    const name = prometheusName(m.id, m.type, m.attributes?.["unit"])
    const family = families.get(name)
    if (family === undefined) families.set(name, [m])
    // A different type under the same name would make the family invalid: keep the first.
    else if (family[0]!.type === m.type) family.push(m)
  }
  const out: Array<string> = []
  for (const [name, family] of [...families].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const first = family[0]!
    if (first.description !== undefined) out.push(`# HELP ${name} ${escapeHelp(first.description)}`)
    out.push(`# TYPE ${name} ${typeName(first.type)}`)
    for (const m of family) samples(name, m, out)
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`
}
