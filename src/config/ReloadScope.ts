/**
 * What an edit of `infrarust.toml` changed, and which of those changes apply without a restart
 * (pure), so the reload log line says the truth instead of a bare "reloaded".
 *
 * Live: everything read per connection or followed by its service (limits, bans, filters, MOTDs,
 * forwarding, `[auth]`, `[docker]`, WebAssembly plugins...), and `bind`/`so_reuseport`, which the listener
 * follows by opening the new address before closing the old one (connection/BindFollower.ts;
 * with worker threads every worker's socket moves, workers/WorkerBind.ts). {@link RESTART_KEYS} are read once at
 * start-up: changing them needs a restart.
 */
import { Equal } from "effect"
import type { ProxyConfig } from "./ProxyConfig.ts"
import { snakeCase } from "./TomlSchema.ts"

/** Keys (as in the file) that are read once at start-up, and why, for the docs and the log. */
export const RESTART_KEYS: ReadonlyArray<string> = [
  "worker_threads", // the process layout (src/workers/WorkerPlan.ts)
  "servers_dir", // the watched directory
  "plugins_dir", // the watched plugins directory
  "max_connections", // the listener's connection counter
  "shutdown_timeout", // the drain the listener was set up with
  "web", // the admin API's server
  "metrics", // the Prometheus endpoint
  "telemetry", // the exporters
  "plugins" // TypeScript plugins load once (WebAssembly ones follow their files)
]

/** Tables are shown as `[name]`, plain keys as `name`. */
const shown = (key: string, value: unknown): string =>
  value !== null && typeof value === "object" && !Array.isArray(value) && !("host" in value) && !Equal.isEqual(value) ? `[${key}]` : key

export interface ReloadScope {
  /** Changed keys that apply now. */
  readonly live: ReadonlyArray<string>
  /** Changed keys that need a restart. */
  readonly restart: ReadonlyArray<string>
}

export const reloadScope = (before: ProxyConfig, after: ProxyConfig): ReloadScope => {
  const live: Array<string> = []
  const restart: Array<string> = []
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  for (const key of keys) {
    const a = (before as Record<string, unknown>)[key]
    const b = (after as Record<string, unknown>)[key]
    if (Equal.equals(a, b)) continue
    const name = snakeCase(key)
    ;(RESTART_KEYS.includes(name) ? restart : live).push(shown(name, b ?? a))
  }
  return { live, restart }
}

/** The reload log line: what applies now, and what waits for a restart. */
export const describeReload = (path: string, scope: ReloadScope): string => {
  const now = scope.live.length > 0 ? `applied: ${scope.live.join(", ")}` : undefined
  if (scope.restart.length === 0) return `${path}: configuration reloaded (${now ?? "no effective change"})`
  const later = `${scope.restart.join(", ")} changed but need${scope.restart.length === 1 ? "s" : ""} a restart to apply (still running with the old value${scope.restart.length === 1 ? "" : "s"})`
  return `${path}: configuration ${now === undefined ? "not applied" : `partly reloaded (${now})`}: ${later}`
}
