/**
 * Turns the bench's summary into what a person reads: the results table (subjects × metrics,
 * medians over rounds), the ratio table (medians of per-round ratios against the raw pipe and
 * HAProxy, and passthrough for the intercepted subjects), the floor of the intercepted subjects' bytes with their CPU against it (when they
 * ran), the issue's targets marked met or missed, the load-side check and the notes.
 * The same content is rendered as aligned text for the terminal and as Markdown for
 * docs/performance.md.
 */
import { BACK_TO_IDLE_MIB, type FloodResult } from "./flood.ts"
import { FLOOR_COMPARISONS, type FloorSummary } from "./summary.ts"

const MiB = 2 ** 20

export interface Summary {
  medians: Record<string, Record<string, number>>
  spread: Record<string, Record<string, [number, number]>>
  ratios: Record<string, Record<string, number>>
}

interface ReportInput {
  machine: Record<string, string | number>
  settings: Record<string, string | number>
  subjects: ReadonlyArray<string>
  summary: Summary
  memory: Record<string, { sessions: number; kibPerSession: number; limitedBy?: string }>
  floods: Record<string, ReadonlyArray<FloodResult>>
  notes: ReadonlyArray<string>
  loadCheck: string
  durationSeconds: { rounds: number; memory: number; flood: number }
  floor?: FloorSummary
}

const COLUMNS: ReadonlyArray<readonly [key: string, header: string, digits: number]> = [
  ["threads", "threads", 0],
  ["down1", "down 1c MB/s", 0],
  ["up1", "up 1c MB/s", 0],
  ["down64", "down 64c MB/s", 0],
  ["up64", "up 64c MB/s", 0],
  ["cpu_down1", "CPU down 1c", 2],
  ["cpu_up1", "CPU up 1c", 2],
  ["cpu_down64", "CPU down 64c", 2],
  ["cpu_up64", "CPU up 64c", 2],
  ["cpu_bulk", "CPU all bulk", 2],
  ["rtt_p50", "RTT p50", 0],
  ["rtt_p99", "RTT p99", 0],
  ["add_p50", "+RTT p50", 0],
  ["add_p99", "+RTT p99", 0],
  ["status_rate", "status/s", 0],
  ["status_cpu", "CPU/status", 0],
  ["login_rate", "logins/s", 0],
  ["login_cpu", "CPU/login", 0],
  ["mem_kib", "KiB/idle session", 2]
]

const RATIO_COLUMNS = COLUMNS.filter(([k]) => !["threads", "rtt_p50", "rtt_p99"].includes(k))

const LEGEND = [
  "threads: threads of every process of the subject after warm-up (V8 and libuv helper threads included).",
  "MB/s: 10^6 bytes per second through the subject (1c = 1 connection, 64c = 64 connections; down = backend to client).",
  "CPU: CPU-seconds (user + system, every process and thread of the subject, from /proc) per GiB relayed; 'all bulk' = the four bulk tests together.",
  "RTT: 1 KiB ping-pong round trip in µs; +RTT = minus the round trip of a direct connection timed in alternating blocks of 500 at the same moments (the latency the subject adds).",
  "status/s: server-list pings (handshake, status request, ping, pong) per second; logins/s: handshake + Login Start + 16 echoed bytes per second; CPU/status and CPU/login: subject CPU µs per operation.",
  "KiB/idle session: growth of the subject's resident memory (VmRSS, all processes) per idle relayed session.",
  "offline, client_only (intercepted modes): game sessions at compression threshold 256 (client_only: AES-128-CFB8 on the player's leg); their MB/s and CPU per GiB count uncompressed packet bytes (id + payload), not wire bytes, and each bulk test moves a quarter of the others' bytes; a login is a whole game login (client_only: encryption and the session server's join/hasJoined) plus a 16-byte packet echoed."
]

const fmt = (v: number | undefined, digits: number): string =>
  v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits)

const renderTable = (headers: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>) => {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ")
  const text = [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n")
  const md = [
    `| ${headers.join(" | ")} |`,
    `|${headers.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`)
  ].join("\n")
  return { text, md }
}

interface TargetLine {
  readonly target: string
  readonly status: "met" | "missed" | "n/a"
  readonly detail: string
}

const evaluateTargets = (input: ReportInput): Array<TargetLine> => {
  const { medians, ratios } = input.summary
  const out: Array<TargetLine> = []
  const has = (s: string) => input.subjects.includes(s)
  const ratio = (s: string, base: string, m: string) => ratios[`${s} / ${base}`]?.[m]
  const add = (target: string, ok: boolean | undefined, detail: string) =>
    out.push({ target, status: ok === undefined ? "n/a" : ok ? "met" : "missed", detail })
  const bulkKeys = ["down1", "up1", "down64", "up64"] as const

  if (has("passthrough") && has("pipe")) {
    const r = ratio("passthrough", "pipe", "cpu_bulk")
    const parts = ["cpu_down1", "cpu_up1", "cpu_down64", "cpu_up64"].map((k) => `${k.slice(4)} ${fmt(ratio("passthrough", "pipe", k), 2)}x`)
    add("passthrough: CPU-s/GiB ≤ 0.8x raw pipe", r === undefined ? undefined : r <= 0.8, `all bulk ${fmt(r, 2)}x (${parts.join(", ")})`)
    const t = bulkKeys.map((k) => ratio("passthrough", "pipe", k))
    add(
      "passthrough: throughput ≥ raw pipe",
      t.some((x) => x === undefined) ? undefined : t.every((x) => x! >= 1),
      bulkKeys.map((k, i) => `${k} ${fmt(t[i], 2)}x`).join(", ")
    )
  }
  if (has("zero_copy") && has("pipe")) {
    const r = ratio("zero_copy", "pipe", "cpu_bulk")
    add("zero_copy: CPU-s/GiB ≤ 0.5x raw pipe", r === undefined ? undefined : r <= 0.5, `all bulk ${fmt(r, 2)}x`)
  }
  if (has("zero_copy") && has("haproxy")) {
    const r = ratio("zero_copy", "haproxy", "cpu_bulk")
    add("zero_copy: CPU-s/GiB ≤ HAProxy's", r === undefined ? undefined : r <= 1, `all bulk ${fmt(r, 2)}x HAProxy`)
    const t = bulkKeys.map((k) => ratio("zero_copy", "haproxy", k))
    add(
      "zero_copy: throughput ≥ HAProxy's",
      t.some((x) => x === undefined) ? undefined : t.every((x) => x! >= 1),
      bulkKeys.map((k, i) => `${k} ${fmt(t[i], 2)}x`).join(", ")
    )
  }
  const floor = input.floor
  const floorTarget = (s: string, row: string, label: string) => {
    if (!has(s) || floor === undefined) return
    const r = floor.ratios[`${s} / ${row}`]
    const [, own] = FLOOR_COMPARISONS[s] ?? []
    add(
      `${s}: CPU-s/GiB ≤ 1.5x ${label} floor`,
      r === undefined || !Number.isFinite(r) ? undefined : r <= 1.5,
      `${fmt(medians[s]?.["cpu_bulk"], 2)} CPU-s/GiB of packets = ${fmt(r, 2)}x ${row} ${fmt(floor.medians[row], 2)}` +
        (own === undefined ? "" : ` (${fmt(floor.ratios[`${s} / ${own}`], 2)}x ${own} ${fmt(floor.medians[own], 2)})`)
    )
  }
  floorTarget("offline", "zlib", "compression")
  floorTarget("client_only", "zlib+aes", "compression + encryption")

  for (const s of ["passthrough", "zero_copy", "server_only"]) {
    if (!has(s)) continue
    const m = medians[s]!
    if (has("haproxy") && has("direct")) {
      const h = medians["haproxy"]!
      add(
        `${s}: added RTT p50 and p99 ≤ HAProxy's`,
        m["add_p50"] === undefined || h["add_p50"] === undefined ? undefined : m["add_p50"]! <= h["add_p50"]! && m["add_p99"]! <= h["add_p99"]!,
        `+${fmt(m["add_p50"], 0)}/+${fmt(m["add_p99"], 0)} µs vs HAProxy +${fmt(h["add_p50"], 0)}/+${fmt(h["add_p99"], 0)} µs (p50/p99, medians)`
      )
    }
    if (has("pipe")) {
      const r = ratio(s, "pipe", "login_rate")
      add(`${s}: logins/s ≥ raw pipe`, r === undefined ? undefined : r >= 1, `${fmt(m["login_rate"], 0)}/s = ${fmt(r, 2)}x pipe`)
    }
    if (has("haproxy")) {
      const r = ratio(s, "haproxy", "status_rate")
      add(`${s}: status pings/s ≥ 1.5x HAProxy`, r === undefined ? undefined : r >= 1.5, `${fmt(m["status_rate"], 0)}/s = ${fmt(r, 2)}x HAProxy`)
    }
    for (const f of input.floods[s] ?? []) {
      add(
        `${s}: RSS during a ${f.connections}-connection ${f.kind} flood ≤ idle + 100 MB`,
        f.failed === f.connections ? undefined : f.growthMiB * MiB <= 100e6,
        `idle ${fmt(f.idleMiB, 1)} MiB, peak ${fmt(f.peakMiB, 1)} MiB (+${fmt(f.growthMiB, 1)}); ${f.closedByProxy} of ${f.opened} closed by the proxy while held`
      )
      add(
        `${s}: back to idle (+${BACK_TO_IDLE_MIB} MiB) within 30 s after the ${f.kind} flood`,
        f.failed === f.connections ? undefined : f.returnSeconds !== undefined && f.returnSeconds <= 30,
        f.returnSeconds === undefined ? `not within 60 s (${fmt(f.finalMiB, 1)} MiB)` : `after ${fmt(f.returnSeconds, 1)} s`
      )
    }
    const kib = input.memory[s]?.kibPerSession
    add(
      `${s}: ≤ 10 KiB resident memory per idle session`,
      kib === undefined ? undefined : kib <= 10,
      kib === undefined ? "not measured" : `${fmt(kib, 2)} KiB over ${input.memory[s]!.sessions} sessions${input.memory[s]!.limitedBy === undefined ? "" : ` (${input.memory[s]!.limitedBy})`}`
    )
  }
  return out
}

export const renderReport = (input: ReportInput): { text: string; markdown: string; targets: Array<TargetLine> } => {
  const results = renderTable(
    ["subject", ...COLUMNS.map(([, h]) => h)],
    input.subjects.map((s) => [s, ...COLUMNS.map(([k, , d]) => fmt(input.summary.medians[s]?.[k], d))])
  )
  const ratioRows = Object.entries(input.summary.ratios).map(([name, r]) => [name, ...RATIO_COLUMNS.map(([k]) => fmt(r[k], 2))])
  const ratios = renderTable(["ratio", ...RATIO_COLUMNS.map(([, h]) => h)], ratioRows)
  const floor = input.floor === undefined ? undefined : renderFloor(input.floor)
  const targets = evaluateTargets(input)
  const targetTable = renderTable(["target", "result", "figures"], targets.map((t) => [t.target, t.status.toUpperCase(), t.detail]))
  const machine = Object.entries(input.machine).map(([k, v]) => `${k}: ${v}`)
  const settings = Object.entries(input.settings).map(([k, v]) => `${k}=${v}`).join(", ")
  const duration = `rounds phase ${input.durationSeconds.rounds.toFixed(0)} s, memory phase ${input.durationSeconds.memory.toFixed(0)} s, flood phase ${input.durationSeconds.flood.toFixed(0)} s`

  const text = [
    "",
    "== infrarust-ts relay benchmark ==",
    ...machine.map((l) => `  ${l}`),
    `  settings: ${settings}`,
    `  duration: ${duration}`,
    "",
    "Results (median over rounds):",
    results.text,
    "",
    "Ratios (median of per-round ratios; MB/s and rates: higher is better; CPU, RTT, memory: lower is better):",
    ratios.text,
    "",
    ...(floor === undefined ? [] : [FLOOR_TITLE, floor.text, ""]),
    ...LEGEND.map((l) => `  ${l}`),
    "",
    "Targets:",
    targetTable.text,
    "",
    `Load side: ${input.loadCheck}`,
    ...(input.notes.length === 0 ? [] : ["", "Notes:", ...input.notes.map((n) => `  - ${n}`)]),
    ""
  ].join("\n")

  const markdown = [
    "Machine:",
    "",
    ...machine.map((l) => `- ${l}`),
    `- settings: ${settings}`,
    `- duration: ${duration}`,
    "",
    "Results (median over rounds):",
    "",
    results.md,
    "",
    "Ratios (median of per-round ratios):",
    "",
    ratios.md,
    "",
    ...(floor === undefined ? [] : [FLOOR_TITLE, "", floor.md, ""]),
    ...LEGEND.map((l) => `- ${l}`),
    "",
    "Targets:",
    "",
    targetTable.md,
    "",
    `Load side: ${input.loadCheck}`,
    ...(input.notes.length === 0 ? [] : ["", "Notes:", "", ...input.notes.map((n) => `- ${n}`)]),
    ""
  ].join("\n")
  return { text, markdown, targets }
}

const FLOOR_TITLE =
  "Floor of the intercepted subjects' bytes (bench/packet/Floor.ts on the same corpus, in the orchestrator, one thread, tight loops; median over rounds), and their CPU against it (median of per-round ratios):"

/** The floor rows, then each intercepted subject's CPU per GiB as a multiple of the rows it is compared with. */
const renderFloor = (floor: FloorSummary) => {
  const rows = Object.entries(floor.medians).map(([k, v]) => [floor.names[k] ?? k, fmt(v, 2)])
  const ratios = Object.entries(floor.ratios).map(([k, v]) => [k, `${fmt(v, 2)}x`])
  return renderTable(["row (CPU-s per GiB of packets)", "CPU-s/GiB"], [...rows, ...ratios])
}
