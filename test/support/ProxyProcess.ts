/**
 * The real `src/main.ts` as a child process, for tests about the process itself: exit codes,
 * signals, worker threads, what it loads, its memory. A temporary directory (its working
 * directory) holds `infrarust.toml` and `servers/` (ProxyDir.ts); the output is captured,
 * whole and as lines; the process is killed and the directory removed with the test's scope.
 */
import { Effect, type Scope } from "effect"
import { type ChildProcessByStdio, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Readable, Writable } from "node:stream"
import { fileURLToPath } from "node:url"
import { writeProxyDir } from "./ProxyDir.ts"

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url))

export interface ProxyProcess {
  readonly child: ChildProcessByStdio<Writable | null, Readable, Readable>
  /** The process's stdin, with `stdin: true` (the console reads it). */
  readonly stdin: Writable | null
  readonly dir: string
  /** Everything the process printed so far (stdout and stderr). */
  readonly output: () => string
  /** The complete lines printed so far on stdout and on stderr. */
  readonly stdout: Array<string>
  readonly stderr: Array<string>
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
  /** SIGTERM, then the exit code. */
  readonly stop: () => Promise<number | null>
  /** The port of the "listening on 127.0.0.1:<port>" line; rejects if the process exits or `timeoutMs` passes first. */
  readonly port: (timeoutMs?: number) => Promise<number>
}

export interface ProxyProcessOptions {
  /** Server file name → TOML. */
  readonly servers?: Record<string, string>
  /** Other files for its working directory, written before it starts (e.g. bans.json). */
  readonly files?: Record<string, string>
  /** Node options before main.ts (e.g. `--import` a hook, `--expose-gc`). */
  readonly nodeArgs?: ReadonlyArray<string>
  /** Arguments after `-c infrarust.toml` (e.g. `--log-format json`). */
  readonly cliArgs?: ReadonlyArray<string>
  /** Added to the test's environment. */
  readonly env?: Record<string, string>
  /** Give the process a stdin pipe (the console); otherwise stdin is /dev/null. */
  readonly stdin?: boolean
  /**
   * Runs this instead of `node [nodeArgs] src/main.ts` (e.g. `npm start --`, the bin launcher);
   * `-c <absolute path of infrarust.toml>` and `cliArgs` follow it.
   */
  readonly command?: ReadonlyArray<string>
  /** The working directory; default: the temporary directory. */
  readonly cwd?: string
  /** Write `global` as infrarust.toml verbatim (no ProxyDir defaults: relative paths stay relative). */
  readonly raw?: boolean
  /** The `-c` path instead of the temporary directory's infrarust.toml (e.g. the repository's own). */
  readonly config?: string
}

/** Appends each complete line `stream` prints to `into`. */
const collectLines = (stream: Readable, into: Array<string>) => {
  let buffered = ""
  stream.on("data", (chunk: Buffer) => {
    buffered += chunk.toString("utf8")
    const parts = buffered.split("\n")
    buffered = parts.pop()!
    into.push(...parts)
  })
}

/** `global` is infrarust.toml after ProxyDir's defaults (a `bind` or `worker_threads` in it wins). */
export const proxyProcess = (global: string, options: ProxyProcessOptions = {}): Effect.Effect<ProxyProcess, never, Scope.Scope> =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "infrarust-ts-process-"))),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    if (options.raw === true) {
      mkdirSync(join(dir, "servers"))
      writeFileSync(join(dir, "infrarust.toml"), global)
      for (const [name, text] of Object.entries(options.servers ?? {})) writeFileSync(join(dir, "servers", name), text)
    } else {
      writeProxyDir(dir, { global, servers: options.servers ?? {} })
    }
    for (const [name, text] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), text)
    const [file, ...args] = options.command ?? [process.execPath, ...(options.nodeArgs ?? []), MAIN]
    const config = options.config ?? (options.command === undefined ? "infrarust.toml" : join(dir, "infrarust.toml"))
    const child = spawn(file!, [...args, "-c", config, ...(options.cliArgs ?? [])], {
      cwd: options.cwd ?? dir,
      env: { ...process.env, ...options.env },
      stdio: [options.stdin === true ? "pipe" : "ignore", "pipe", "pipe"]
    }) as ChildProcessByStdio<Writable | null, Readable, Readable>
    let output = ""
    child.stdout.on("data", (c: Buffer) => (output += c.toString()))
    child.stderr.on("data", (c: Buffer) => (output += c.toString()))
    const stdout: Array<string> = []
    const stderr: Array<string> = []
    collectLines(child.stdout, stdout)
    collectLines(child.stderr, stderr)
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
    const stop = () => {
      child.kill("SIGTERM")
      return exited
    }
    const port = (timeoutMs = 10_000) =>
      new Promise<number>((resolve, reject) => {
        const deadline = Date.now() + timeoutMs
        const timer = setInterval(() => {
          // The proxy's own line (text or JSON), not e.g. the demo backend's "... listening on".
          const listening = /(?:INFO {2}|"message":")listening on 127\.0\.0\.1:(\d+)/.exec(output)
          if (listening !== null) resolve(Number(listening[1]))
          else if (Date.now() > deadline) reject(new Error(`no "listening on" line after ${timeoutMs} ms:\n${output}`))
          else return
          clearInterval(timer)
        }, 20)
        void exited.then((code) => {
          clearInterval(timer)
          reject(new Error(`exited with ${code}:\n${output}`))
        })
      })
    return { child, stdin: child.stdin, dir, output: () => output, stdout, stderr, exited, stop, port }
  })
