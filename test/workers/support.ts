/**
 * Helpers for the worker-thread tests: which workers a set of log lines came from, idle
 * connections that show whether the proxy kept or closed them, and the Prometheus endpoint's
 * port as the start-up log names it.
 */
import * as Net from "node:net"
import { eventually } from "../support/Poll.ts"

export type Logs = ReadonlyArray<{ readonly level: string; readonly message: string }>

/** The `worker=<n>` annotations of the lines that start with `prefix`. */
export const workersOf = (logs: Logs, prefix: string): Set<string> => {
  const seen = new Set<string>()
  for (const l of logs) {
    if (!l.message.startsWith(prefix)) continue
    const m = / worker=(\d+)/.exec(l.message)
    if (m !== null) seen.add(m[1]!)
  }
  return seen
}

export const count = (logs: Logs, prefix: string): number => logs.filter((l) => l.message.startsWith(prefix)).length

const CLIENT_CLOSED = "client closed the connection during"

/**
 * Opens `n` connections at once and sends nothing; once the proxy has stopped closing them
 * (no close for a second), how many it closed and how many it holds (waiting for a handshake).
 * Then closes them all and, given the proxy's `logs`, waits until the proxy has seen those
 * closes (so their slots are free again) before resolving.
 */
export const idleConnections = async (
  port: number,
  n: number,
  logs?: Logs
): Promise<{ readonly closed: number; readonly open: number }> => {
  const before = logs === undefined ? 0 : count(logs, CLIENT_CLOSED)
  const sockets = Array.from({ length: n }, () => {
    const socket = Net.connect({ port, host: "127.0.0.1" })
    const state = { socket, closed: false }
    socket.on("error", () => {})
    socket.on("close", () => (state.closed = true))
    return state
  })
  const started = Date.now()
  let closed = -1
  let stableSince = started
  while (Date.now() - started < 5000) {
    await new Promise((r) => setTimeout(r, 50))
    const now = sockets.filter((s) => s.closed).length
    if (now !== closed) (closed = now, stableSince = Date.now())
    // A worker busy elsewhere (the suite runs files in parallel) may accept late: wait long.
    else if (Date.now() - stableSince >= 1000) break
  }
  for (const s of sockets) s.socket.destroy()
  if (logs !== undefined) await eventually(() => count(logs, CLIENT_CLOSED) - before >= n - closed, 5000)
  else await new Promise((r) => setTimeout(r, 300))
  return { closed, open: n - closed }
}

/** The port of `metrics: Prometheus endpoint on http://host:port/metrics`. */
export const metricsPort = (logs: Logs): number | undefined => {
  for (const l of logs) {
    const m = /Prometheus endpoint on http:\/\/[^:]+:(\d+)\//.exec(l.message)
    if (m !== null) return Number(m[1])
  }
  return undefined
}

/** The sum of a Prometheus series' samples whose labels include every one of `labels`. */
export const sample = (text: string, name: string, labels: Record<string, string> = {}): number => {
  let total = 0
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue
    total += Number(line.slice(line.lastIndexOf(" ") + 1))
  }
  return total
}

/** Opens `n` connections that send nothing and closes them after `ms`. */
export const holdIdle = (port: number, n: number, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const sockets = Array.from({ length: n }, () => Net.connect({ port, host: "127.0.0.1" }).on("error", () => {}))
    setTimeout(() => {
      for (const s of sockets) s.destroy()
      setTimeout(resolve, 300)
    }, ms)
  })
