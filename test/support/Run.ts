/**
 * One command to completion without blocking the test worker's event loop (an image build takes
 * minutes; execFileSync would freeze vitest's own timers for that long). Rejects with the
 * command, its exit code and the tail of its output when it fails or outlives `timeoutMs`.
 */
import { spawn } from "node:child_process"

export interface RunOptions {
  /** Added to this process's environment. */
  readonly env?: Record<string, string>
  readonly cwd?: string
  readonly timeoutMs?: number
}

export interface RunResult {
  readonly stdout: string
  readonly stderr: string
}

const DEFAULT_TIMEOUT_MS = 60_000

export const run = (command: string, args: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()))
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()))
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.on("error", (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      if (code === 0) return resolve({ stdout, stderr })
      const why = signal === "SIGKILL" ? `was killed after ${timeoutMs} ms` : `exited with ${code ?? signal}`
      reject(new Error(`${command} ${args.join(" ")} ${why}:\n${(stdout + stderr).slice(-4000)}`))
    })
  })
