/**
 * The flood phase of the bench: what a connection flood costs the proxy in resident memory,
 * and how soon it gives it back (issue 20: within +100 MB of idle during the flood, back to idle
 * within 30 s after).
 *
 * On a fresh subject with the proxy's *default* connection limits (the rounds' config turns the
 * pending bound off): settle, read idle RSS (every process of the subject), run the flood
 * (bench/load/SilentFlood.ts: thousands of connections from distinct loopback addresses that
 * send nothing, or only the first bytes of a handshake), sample RSS every 100 ms while the
 * connections are held, close them, and sample until RSS is back within {@link BACK_TO_IDLE_MIB}
 * of idle or {@link RETURN_LIMIT_MS} passes.
 */
import { spawn } from "node:child_process"
import { fileURLToPath } from "node:url"
import { rssBytes } from "./lib/proc.ts"
import type { Instance } from "./subjects.ts"

/** "Back to idle": within this much of the idle RSS. */
export const BACK_TO_IDLE_MIB = 16
/** How long RSS is followed after the flood. */
const RETURN_LIMIT_MS = 60_000
const SAMPLE_MS = 100

export interface FloodResult {
  /** "silent" or "slowloris" (the first 2 bytes of a handshake, then nothing). */
  readonly kind: string
  readonly connections: number
  readonly opened: number
  readonly failed: number
  /** Connections the proxy had closed by the end of the hold (pending bounds, first_packet_timeout). */
  readonly closedByProxy: number
  readonly idleMiB: number
  readonly peakMiB: number
  readonly growthMiB: number
  /** Seconds from the end of the flood until RSS was back to idle; undefined when it was not within the limit. */
  readonly returnSeconds: number | undefined
  readonly finalMiB: number
}

const FLOODER = fileURLToPath(new URL("./load/SilentFlood.ts", import.meta.url))
const MiB = 2 ** 20
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

export const floodMemory = async (
  inst: Instance,
  options: { readonly connections: number; readonly holdMs: number; readonly settleMs: number; readonly kind: "silent" | "slowloris" }
): Promise<FloodResult> => {
  await sleep(options.settleMs)
  const rss = () => rssBytes(inst.pids()) / MiB
  const idle = rss()
  let peak = idle
  const sampler = setInterval(() => (peak = Math.max(peak, rss())), SAMPLE_MS)
  // Slowloris: a handshake's length prefix and packet id, and nothing after.
  const bytes = options.kind === "slowloris" ? "1000" : ""
  const lines: Array<Record<string, number>> = []
  const child = spawn(process.execPath, [FLOODER, String(inst.port), String(options.connections), String(options.holdMs), bytes], {
    stdio: ["ignore", "pipe", "inherit"]
  })
  child.stdout.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim() !== "") lines.push(JSON.parse(line) as Record<string, number>)
  })
  await new Promise<void>((resolve) => child.once("exit", () => resolve()))
  clearInterval(sampler)
  peak = Math.max(peak, rss())
  const ended = performance.now()
  let returnSeconds: number | undefined
  let now = rss()
  while (performance.now() - ended < RETURN_LIMIT_MS) {
    now = rss()
    if (now <= idle + BACK_TO_IDLE_MIB) {
      returnSeconds = (performance.now() - ended) / 1000
      break
    }
    await sleep(SAMPLE_MS * 5)
  }
  const opened = lines.find((l) => l["opened"] !== undefined)
  const closed = lines.find((l) => l["closedByProxy"] !== undefined)
  return {
    kind: options.kind,
    connections: options.connections,
    opened: opened?.["opened"] ?? 0,
    failed: opened?.["failed"] ?? options.connections,
    closedByProxy: closed?.["closedByProxy"] ?? 0,
    idleMiB: idle,
    peakMiB: peak,
    growthMiB: peak - idle,
    returnSeconds,
    finalMiB: now
  }
}

/** The flood's figure as one log line. */
export const describeFlood = (subject: string, f: FloodResult): string =>
  `flood ${subject} ${f.kind}: ${f.opened}/${f.connections} connections (${f.closedByProxy} closed by the proxy while held): ` +
  `RSS ${f.idleMiB.toFixed(1)} → peak ${f.peakMiB.toFixed(1)} MiB (+${f.growthMiB.toFixed(1)}), ` +
  (f.returnSeconds === undefined ? `not back to idle within ${RETURN_LIMIT_MS / 1000} s (${f.finalMiB.toFixed(1)} MiB)` : `back to idle after ${f.returnSeconds.toFixed(1)} s`)

/** The subjects the flood phase runs on (the connection path is the same in every forwarding mode). */
export const FLOOD_SUBJECTS: ReadonlyArray<string> = ["passthrough"]
