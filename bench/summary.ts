/**
 * From raw rounds to the figures the report shows: medians over rounds, medians of per-round
 * ratios against the raw pipe and HAProxy (and passthrough for the intercepted subjects, whose
 * bulk figures count packet bytes and so get no bulk ratio), and the load-side check (how busy the driver and
 * the backend were, and how far above the proxied subjects `direct` went), and for the
 * intercepted subjects their CPU per GiB against the floor measured in the same rounds.
 */
import type { BulkResult, MemoryResult } from "./measure.ts"
import type { FloorKey } from "./packet/Floor.ts"
import { median, minMax } from "./lib/stats.ts"
import type { Summary } from "./report.ts"
import { isGameSubject } from "./subjects.ts"

export type Metrics = Record<string, number>
export type Round = Record<string, { metrics: Metrics; detail: Record<string, unknown> }>

export const BASELINES = ["pipe", "haproxy"] as const
/** The intercepted subjects are also compared with passthrough, the mode a player would otherwise use. */
const GAME_BASE = "passthrough"
/** Bulk figures of game subjects count packet bytes, the others' wire bytes: no ratio across the two. */
const isBulkMetric = (m: string) => /^(down|up|cpu_)/.test(m)

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
  for (const base of [...BASELINES, GAME_BASE]) {
    if (!subjects.includes(base)) continue
    for (const subject of subjects) {
      if (subject === base || (base === GAME_BASE && !isGameSubject(subject))) continue
      const ratios: Record<string, number> = {}
      for (const m of metricNames) {
        if (isGameSubject(subject) && isBulkMetric(m)) continue
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

/** One round's floor (bench/packet/Floor.ts): CPU-s per GiB of packets, by row. */
export type FloorRound = Partial<Record<FloorKey, number>>

export interface FloorSummary {
  /** Row names as Floor.ts prints them. */
  readonly names: Readonly<Record<string, string>>
  /** Median CPU-s/GiB per row, plus `aes-wire+relay` (what an encrypted relay leg must do). */
  readonly medians: Readonly<Record<string, number>>
  /** Median of per-round `cpu_bulk / row`, keyed `<subject> / <row>`. */
  readonly ratios: Readonly<Record<string, number>>
}

/** The rows each intercepted subject is compared with: the target row first, then its own must-do floor. */
export const FLOOR_COMPARISONS: Readonly<Record<string, ReadonlyArray<string>>> = {
  offline: ["zlib", "relay"],
  client_only: ["zlib+aes", "aes-wire+relay"]
}

const withSums = (f: FloorRound): Record<string, number> => {
  const out: Record<string, number> = { ...f } as Record<string, number>
  if (f["aes-wire"] !== undefined && f.relay !== undefined) out["aes-wire+relay"] = f["aes-wire"] + f.relay
  return out
}

/** Medians of the floor rows over rounds, and the intercepted subjects' CPU per GiB against them, round by round. */
export const summarizeFloor = (
  rounds: ReadonlyArray<Round>,
  floors: ReadonlyArray<FloorRound>,
  names: Readonly<Record<string, string>>,
  subjects: ReadonlyArray<string>
): FloorSummary => {
  const perRound = floors.map(withSums)
  const keys = [...new Set(perRound.flatMap((f) => Object.keys(f)))]
  const medians = Object.fromEntries(keys.map((k) => [k, median(perRound.map((f) => f[k]))]))
  const ratios: Record<string, number> = {}
  for (const subject of subjects) {
    for (const row of FLOOR_COMPARISONS[subject] ?? []) {
      ratios[`${subject} / ${row}`] = median(rounds.map((r, i) => {
        const cpu = r[subject]?.metrics["cpu_bulk"]
        const floor = perRound[i]?.[row]
        return cpu === undefined || floor === undefined ? undefined : cpu / floor
      }))
    }
  }
  return { names: { ...names, "aes-wire+relay": "(f) + (d): the cipher over the frames that cross, plus the packet layer" }, medians, ratios }
}
