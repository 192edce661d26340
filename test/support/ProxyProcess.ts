/**
 * The real `src/main.ts` as a child process, for tests about the process itself: exit codes,
 * signals, worker threads. A temporary directory holds `infrarust.toml` and `servers/`; the
 * output is captured; the process is killed and the directory removed with the test's scope.
 */
import { Effect, type Scope } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface ProxyProcess {
  readonly child: ChildProcess
  readonly dir: string
  /** Everything the process printed so far (stdout and stderr). */
  readonly output: () => string
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>
}

/** `global` is the whole infrarust.toml (servers_dir is "servers"); `servers` are file name → TOML. */
export const proxyProcess = (
  global: string,
  servers: Record<string, string> = {}
): Effect.Effect<ProxyProcess, never, Scope.Scope> =>
  Effect.gen(function*() {
    const dir = yield* Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "infrarust-ts-process-"))),
      (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
    )
    mkdirSync(join(dir, "servers"))
    writeFileSync(join(dir, "infrarust.toml"), `servers_dir = "servers"\n${global}\n`)
    for (const [name, toml] of Object.entries(servers)) writeFileSync(join(dir, "servers", name), toml)
    const child = spawn(process.execPath, [join(process.cwd(), "src/main.ts"), "-c", "infrarust.toml"], {
      cwd: dir,
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (c: Buffer) => (output += c.toString()))
    child.stderr.on("data", (c: Buffer) => (output += c.toString()))
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
    yield* Effect.addFinalizer(() => Effect.sync(() => child.kill("SIGKILL")))
    return { child, dir, output: () => output, exited }
  })
