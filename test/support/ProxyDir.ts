/**
 * The configuration directory a test or bench proxy runs from: `infrarust.toml` and `servers/`
 * in a directory the caller owns. Every proxy the suite starts (in-process or as a child) gets
 * the same defaults, and a rewrite of infrarust.toml keeps them, so a live reload changes only
 * what the test meant to change. Effect-free: the bench uses it too.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"

export interface ProxyDirFiles {
  /** Lines for infrarust.toml, after the defaults below (servers_dir is always set). */
  readonly global?: string
  /** Server file name → TOML, written into `servers/`. */
  readonly servers?: Record<string, string>
  /**
   * `worker_threads` when `global` does not set it: 1 unless given (one process: the suite
   * checks the pipeline itself; worker tests set it), or "proxy default" to leave it out.
   */
  readonly workerThreads?: number | "proxy default"
}

export interface ProxyDir {
  /** `<dir>/infrarust.toml`. */
  readonly configPath: string
  /** Writes (or replaces) `servers/<name>`. */
  readonly writeServer: (name: string, toml: string) => void
  /** Rewrites infrarust.toml with `global` after the same defaults (a running proxy's watcher reloads it). */
  readonly writeGlobal: (global: string) => void
}

/** True when `key` is set at the top level of `toml` (before its first table header). */
const setsTopLevel = (toml: string, key: string): boolean =>
  new RegExp(`^\\s*${key}\\s*=`, "m").test(toml.split(/^\s*\[/m)[0] ?? "")

/**
 * Writes `infrarust.toml` and `servers/` into `dir` (which must exist). Defaults, each only
 * when `global` does not set it: `bind = "127.0.0.1:0"` (a free port, read back from the log
 * or `onListening`), `plugins_dir = "<dir>/plugins"` and `[ban] file = "<dir>/bans.json"` (plugin
 * data and bans stay out of the repository) and `worker_threads` as above.
 */
export const writeProxyDir = (dir: string, files: ProxyDirFiles = {}): ProxyDir => {
  const serversDir = join(dir, "servers")
  const configPath = join(dir, "infrarust.toml")
  const workers = files.workerThreads ?? 1
  mkdirSync(serversDir, { recursive: true })
  const writeServer = (name: string, toml: string) => writeFileSync(join(serversDir, name), toml)
  const writeGlobal = (global: string) => {
    const bind = setsTopLevel(global, "bind") ? "" : `bind = "127.0.0.1:0"\n`
    const threads = workers === "proxy default" || setsTopLevel(global, "worker_threads") ? "" : `worker_threads = ${workers}\n`
    const plugins = setsTopLevel(global, "plugins_dir") ? "" : `plugins_dir = ${JSON.stringify(join(dir, "plugins"))}\n`
    // Tables come last: a default [ban] file keeps test bans out of the working directory.
    const bans = /^\s*\[ban\]/m.test(global) ? "" : `\n[ban]\nfile = ${JSON.stringify(join(dir, "bans.json"))}\n`
    writeFileSync(configPath, `${bind}servers_dir = ${JSON.stringify(serversDir)}\n${plugins}${threads}${global}\n${bans}`)
  }
  for (const [name, toml] of Object.entries(files.servers ?? {})) writeServer(name, toml)
  writeGlobal(files.global ?? "")
  return { configPath, writeServer, writeGlobal }
}
