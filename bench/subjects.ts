/**
 * The things the bench measures ("subjects"), each started fresh for every round:
 * - `direct`: the client talks to the backend itself (the ceiling; no proxy process);
 * - `pipe`: a raw Node pipe proxy (bench/baselines/pipe.ts);
 * - `haproxy`, `nginx`: TCP-mode forwarders (bench/baselines/peers.ts), when installed;
 * - `passthrough`, `zero_copy`, `server_only`: infrarust-ts (`node src/main.ts`) with the
 *   bench server in that `proxy_mode`;
 * - `offline`, `client_only`: infrarust-ts in the intercepted modes (it logs the player in itself
 *   and relays packets); the backend then serves game sessions (names starting with `@`) and the
 *   driver logs in as a game client (bench/load/GameClient.ts); client_only's `[auth]
 *   session_server` is the bench's fake session server (test/support/FakeSessionServer.ts);
 * - on request: `passthrough+noop`, passthrough with a plugin that listens to every event and does
 *   nothing (bench/plugins/noop.ts: what listeners cost), `passthrough+wasm`, the same with a
 *   WebAssembly plugin (bench/plugins/noop.c: what a sandboxed listener costs), and `passthrough@base`, passthrough from
 *   another checkout (`--baseline <dir>`: before and after a change, in the same run).
 * A subject's CPU and memory are read from /proc over all of its processes and threads.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { freeLowPort, waitForPort } from "../test/support/Ports.ts"
import { haproxyCommand, nginxCommand } from "./baselines/peers.ts"
import { DOMAIN } from "./lib/frames.ts"
import { processTree, withFileLimit } from "./lib/proc.ts"
import { noopWasmPlugin } from "./plugins/noopWasm.ts"

export type SubjectName =
  | "direct"
  | "pipe"
  | "haproxy"
  | "nginx"
  | "passthrough"
  | "zero_copy"
  | "server_only"
  | "passthrough+noop"
  | "passthrough+wasm"
  | "passthrough@base"
  | "offline"
  | "client_only"
export const ALL_SUBJECTS: ReadonlyArray<SubjectName> = ["direct", "pipe", "haproxy", "nginx", "passthrough", "zero_copy", "server_only"]
export const OPTIONAL_SUBJECTS: ReadonlyArray<SubjectName> = ["passthrough+noop", "passthrough+wasm", "passthrough@base", "offline", "client_only"]
/** The subjects that relay packets, not bytes: they need game sessions (a login, then packets). */
export const GAME_SUBJECTS: ReadonlyArray<SubjectName> = ["offline", "client_only"]
export const isGameSubject = (s: string): boolean => (GAME_SUBJECTS as ReadonlyArray<string>).includes(s)

/**
 * File descriptors one relayed session holds in the subject: two sockets, and for zero_copy
 * also the addon's two dup()ed sockets and two pipes (src/native/addon.c).
 */
export const fdsPerSession = (s: SubjectName): number => (s === "zero_copy" ? 8 : 2)

const repo = fileURLToPath(new URL("..", import.meta.url))

export interface Instance {
  readonly subject: SubjectName
  readonly port: number
  /** The subject's root process; undefined for `direct`. */
  readonly pid: number | undefined
  /** Every process of the subject right now (the root and its descendants). */
  readonly pids: () => Array<number>
  /** What the subject wrote to stdout/stderr (for warnings such as a missing addon). */
  readonly output: () => string
  readonly stop: () => Promise<void>
}

export interface StartContext {
  readonly backendPort: number
  /** A scratch directory for this instance's config files and logs. */
  readonly dir: string
  /** The soft open-file limit the subject runs with. */
  readonly fileLimit: number
  /** `worker_threads` for infrarust-ts; undefined leaves the key out (the proxy's default). */
  readonly workerThreads?: number
  /** The checkout `passthrough@base` runs from. */
  readonly baseline?: string
  /** Base URL of the fake session server (client_only's `[auth] session_server`). */
  readonly sessionServer?: string
  /** `passthrough+wasm`: the `[plugins.noop_wasm]` table (bench/plugins/noopWasm.ts builds it). */
  readonly wasmPlugin?: string
  /** The flood phase: keep the proxy's default `[limits]` (the rounds turn the pending bound off). */
  readonly defaultLimits?: boolean
}

/** Writes the proxy's bench configuration (infrarust.toml and one server) into `dir`; its path. */
export const writeSubjectConfig = (
  dir: string,
  port: number,
  backendPort: number,
  mode: string,
  workerThreads: number | undefined,
  extra = "",
  defaultLimits = false,
  baseline = false
) => {
  const servers = Path.join(dir, "servers")
  Fs.mkdirSync(servers, { recursive: true })
  Fs.writeFileSync(
    Path.join(dir, "infrarust.toml"),
    `# written by bench/subjects.ts
bind = "127.0.0.1:${port}"
servers_dir = "${servers}"
max_connections = 0
connect_timeout = "5s"
shutdown_timeout = "1s"
${workerThreads === undefined ? "" : `worker_threads = ${workerThreads}\n`}
# The bench opens thousands of connections per second from one address: the limiter would
# measure itself.
[rate_limit]
max_connections = 100000000
window = "1s"
status_max = 100000000
status_window = "1s"

${defaultLimits ? "" : `[limits]\nmax_pending_handshakes = 0\n${baseline ? "" : "max_pending_per_address = 0\n"}`}${extra}`
  )
  Fs.writeFileSync(
    Path.join(servers, "bench.toml"),
    `domains = ["${DOMAIN}"]
addresses = ["127.0.0.1:${backendPort}"]
proxy_mode = "${mode}"

# Idle sessions must outlive the memory phase.
[timeouts]
read = "10m"
write = "10m"
${baseline ? "" : `# The bench backend answers no login (the bytes after Login Start are the measured traffic):
# waiting for its first answer would hold every session for the whole timeout.
first_byte = "0s"
`}`
  )
  return Path.join(dir, "infrarust.toml")
}

/**
 * Whether a checkout's config schema has the keys the hardening work added (`[timeouts]
 * first_byte`, `[limits] max_pending_per_address`): an older baseline (c77b9d2) refuses them,
 * a newer one needs them (its bench backend would otherwise wait for a login answer).
 */
const knowsHardeningKeys = (checkout: string): boolean =>
  Fs.readFileSync(Path.join(checkout, "src/config/ServerConfig.ts"), "utf8").includes("firstByte")

/**
 * The Node flags a checkout's launcher starts the proxy with (src/cli/node-flags), so the bench
 * measures the proxy as it is shipped; none for a checkout from before the file.
 */
export const shippedNodeFlags = (checkout: string): Array<string> => {
  const file = Path.join(checkout, "src/cli/node-flags")
  return Fs.existsSync(file) ? Fs.readFileSync(file, "utf8").split(/\s+/).filter((f) => f !== "") : []
}

const infrarust = (checkout: string, config: string) => [process.execPath, ...shippedNodeFlags(checkout), Path.join(checkout, "src/main.ts"), "-c", config, "--log-level", "warn"]

const commandFor = (subject: SubjectName, ctx: StartContext, port: number): Array<string> => {
  const maxSessions = Math.floor((ctx.fileLimit - 256) / 2)
  switch (subject) {
    case "pipe":
      return [process.execPath, Path.join(repo, "bench/baselines/pipe.ts"), String(port), String(ctx.backendPort)]
    case "haproxy":
      return haproxyCommand(ctx.dir, port, ctx.backendPort, maxSessions)
    case "nginx":
      return nginxCommand(ctx.dir, port, ctx.backendPort, ctx.fileLimit - 256, ctx.fileLimit)
    case "passthrough+noop": {
      const plugin = `\n[plugins.noop]\npath = ${JSON.stringify(Path.join(repo, "bench/plugins/noop.ts"))}\n`
      return infrarust(repo, writeSubjectConfig(ctx.dir, port, ctx.backendPort, "passthrough", ctx.workerThreads, plugin))
    }
    case "client_only": {
      if (ctx.sessionServer === undefined) throw new Error("client_only needs the fake session server")
      const auth = `\n[auth]\nsession_server = ${JSON.stringify(ctx.sessionServer)}\n`
      return infrarust(repo, writeSubjectConfig(ctx.dir, port, ctx.backendPort, "client_only", ctx.workerThreads, auth))
    }
    case "passthrough+wasm":
      if (ctx.wasmPlugin === undefined) throw new Error("passthrough+wasm needs its plugin built first")
      return infrarust(repo, writeSubjectConfig(ctx.dir, port, ctx.backendPort, "passthrough", ctx.workerThreads, ctx.wasmPlugin))
    case "passthrough@base":
      if (ctx.baseline === undefined) throw new Error("passthrough@base needs --baseline <dir>")
      return infrarust(ctx.baseline, writeSubjectConfig(ctx.dir, port, ctx.backendPort, "passthrough", ctx.workerThreads, "", false, !knowsHardeningKeys(ctx.baseline)))
    default:
      return infrarust(repo, writeSubjectConfig(ctx.dir, port, ctx.backendPort, subject, ctx.workerThreads, "", ctx.defaultLimits === true))
  }
}

export const startSubject = async (subject: SubjectName, ctx: StartContext): Promise<Instance> => {
  if (subject === "direct") {
    return { subject, port: ctx.backendPort, pid: undefined, pids: () => [], output: () => "", stop: async () => {} }
  }
  Fs.mkdirSync(ctx.dir, { recursive: true })
  const port = await freeLowPort()
  const built = subject === "passthrough+wasm" ? { ...ctx, wasmPlugin: await noopWasmPlugin(ctx.dir) } : ctx
  const [command, ...commandArgs] = commandFor(subject, built, port)
  const [cmd, args] = withFileLimit(command!, commandArgs)
  const child: ChildProcess = spawn(cmd, args, { cwd: ctx.dir, stdio: ["ignore", "pipe", "pipe"] })
  let output = ""
  const keep = (chunk: Buffer) => {
    if (output.length < 64 * 1024) output += chunk.toString()
  }
  child.stdout!.on("data", keep)
  child.stderr!.on("data", keep)
  let exited = false
  const exitedP = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve())))
  child.once("error", (e) => ((output += `spawn failed: ${e.message}\n`), (exited = true)))
  try {
    await waitForPort(port, 60_000, { alive: () => !exited })
  } catch (e) {
    child.kill("SIGKILL")
    throw new Error(`${subject} did not start: ${(e as Error).message}\n${output}`)
  }
  const pid = child.pid!
  return {
    subject,
    port,
    pid,
    pids: () => (exited ? [] : processTree(pid)),
    output: () => output,
    stop: async () => {
      if (exited) return
      child.kill("SIGTERM")
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000)
      await exitedP
      clearTimeout(timer)
    }
  }
}
