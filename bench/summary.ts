/**
 * From raw rounds to the figures the report shows: medians over rounds, medians of per-round
 * ratios against the raw pipe and HAProxy, and the load-side check (how busy the driver and
 * the backend were, and how far above the proxied subjects `direct` went).
 */
import type { BulkResult, MemoryResult } from "./measure.ts"
import { median, minMax } from "./lib/stats.ts"
import type { Summary } from "./report.ts"

export type Metrics = Record<string, number>
export type Round = Record<string, { metrics: Metrics; detail: Record<string, unknown> }>

export const BASELINES = ["pipe", "haproxy"] as const

export const summarize = (
  rounds: ReadonlyArray<Round>,
  memory: Readonly<Record<string, MemoryResult>>,
  subjects: ReadonlyArray<string>
): Summary => {
  const metricNames = [...new Set(rounds.flatMap((r) => Object.values(r).flatMap((x) => Object.keys(x.metrics))))]
  const summary: Summary = { medians: {}, spread: {}, ratios: {} }
  for (const subject of subjects) {
    const med: Record<string, number> = {}
    const spread: Record<string, [number, number]> = {}
    for (const m of metricNames) {
      const values = rounds.map((r) => r[subject]?.metrics[m])
      med[m] = median(values)
      spread[m] = minMax(values)
    }
    const mem = memory[subject]
    if (mem !== undefined) {
      med["mem_kib"] = mem.kibPerSession
      med["mem_sessions"] = mem.sessions
    }
    summary.medians[subject] = med
    summary.spread[subject] = spread
  }
  for (const base of BASELINES) {
    if (!subjects.includes(base)) continue
    for (const subject of subjects) {
      if (subject === base) continue
      const ratios: Record<string, number> = {}
      for (const m of metricNames) {
        ratios[m] = median(rounds.map((r) => {
          const a = r[subject]?.metrics[m]
          const b = r[base]?.metrics[m]
          // Added latencies are differences of noisy figures: a ratio of them means something only when both are positive.
          if (m.startsWith("add_") && (a === undefined || b === undefined || a <= 0 || b <= 0)) return undefined
          return a === undefined || b === undefined || b === 0 ? undefined : a / b
        }))
      }
      const ma = memory[subject]?.kibPerSession
      const mb = memory[base]?.kibPerSession
      if (ma !== undefined && mb !== undefined) ratios["mem_kib"] = ma / mb
      summary.ratios[`${subject} / ${base}`] = ratios
    }
  }
  return summary
}

const BULK = ["down1", "up1", "down64", "up64"] as const

/** One sentence on whether the load side could have been the bottleneck. */
export const loadSideCheck = (rounds: ReadonlyArray<Round>, summary: Summary, subjects: ReadonlyArray<string>): string => {
  const proxied = rounds.flatMap((r) =>
    Object.entries(r)
      .filter(([s]) => s !== "direct")
      .flatMap(([, x]) => BULK.map((k) => x.detail[k] as BulkResult))
  )
  if (proxied.length === 0) return "no bulk results"
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`
  const driver = proxied.map((x) => x.driverCpuShare)
  const backend = proxied.map((x) => x.backendCpuShare)
  const headroom = BULK.map((k) => {
    const d = summary.medians["direct"]?.[k]
    const best = Math.max(...subjects.filter((s) => s !== "direct").map((s) => summary.medians[s]?.[k] ?? 0))
    return d === undefined ? `${k} n/a` : `${k} ${(d / best).toFixed(2)}x`
  })
  return `while proxied subjects moved bytes, the load driver used at most ${pct(Math.max(...driver))} (median ${pct(median(driver))}) ` +
    `of one core and the backend at most ${pct(Math.max(...backend))} (median ${pct(median(backend))}); ` +
    `direct throughput vs the fastest proxied subject: ${headroom.join(", ")}`
}
