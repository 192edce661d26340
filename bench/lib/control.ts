/**
 * The orchestrator's handles on its long-lived helper processes: the fake backend and the
 * load driver. Both speak one JSON object per line on stdin/stdout.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { withFileLimit } from "./proc.ts"

const here = (file: string) => fileURLToPath(new URL(`../${file}`, import.meta.url))

type Line = Record<string, unknown>

const lines = (child: ChildProcess, onLine: (line: string) => void) =>
  createInterface({ input: child.stdout! }).on("line", onLine)

export class Backend {
  private waiting: Array<(line: Line) => void> = []
  readonly child: ChildProcess
  readonly port: number
  private constructor(child: ChildProcess, port: number) {
    this.child = child
    this.port = port
    child.once("exit", (code, signal) => {
      process.stderr.write(`bench: the backend exited (${signal ?? code})\n`)
      process.exit(1)
    })
    lines(child, (line) => {
      if (line.startsWith("{")) this.waiting.shift()?.(JSON.parse(line) as Line)
    })
  }
  /** `corpus`: the game corpus file (bench/lib/corpus.ts) that `@src` sessions stream. */
  static async start(port: number, statusResponseHex: string, corpus?: string): Promise<Backend> {
    const config = { port, statusResponse: statusResponseHex, ...(corpus === undefined ? {} : { corpus }) }
    const [cmd, args] = withFileLimit(process.execPath, [here("backend.ts"), JSON.stringify(config)])
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] })
    await new Promise<void>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! })
      rl.once("line", (l) => (rl.close(), l.startsWith("ready") ? resolve() : reject(new Error(`backend: ${l}`))))
      child.once("exit", (code) => reject(new Error(`backend exited with ${code}`)))
    })
    return new Backend(child, port)
  }
  stats(): Promise<{ statusRequests: number; pings: number; logins: number; connections: number; errors: number }> {
    return new Promise((resolve) => {
      this.waiting.push(resolve as (l: Line) => void)
      this.child.stdin!.write("stats\n")
    })
  }
  get pid(): number {
    return this.child.pid!
  }
  stop(): void {
    this.child.removeAllListeners("exit")
    this.child.stdin!.end()
    this.child.kill("SIGTERM")
  }
}

export class Driver {
  private nextId = 1
  private pending = new Map<number, { resolve: (l: Line) => void; onMark?: ((mark: string) => void) | undefined }>()
  readonly child: ChildProcess
  private constructor(child: ChildProcess) {
    this.child = child
    // A driver that dies fails every command waiting on it, instead of hanging the bench.
    child.once("exit", (code, signal) => {
      for (const p of this.pending.values()) p.resolve({ error: `the load driver exited (${signal ?? code})` })
      this.pending.clear()
    })
    lines(child, (text) => {
      const line = JSON.parse(text) as Line & { id?: number; mark?: string }
      if (line.id === undefined) return
      const p = this.pending.get(line.id)
      if (p === undefined) return
      if (line.mark !== undefined) return p.onMark?.(line.mark)
      this.pending.delete(line.id)
      p.resolve(line)
    })
  }
  static async start(): Promise<Driver> {
    const [cmd, args] = withFileLimit(process.execPath, [here("load/driver.ts")])
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "inherit"] })
    await new Promise<void>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! })
      rl.once("line", () => (rl.close(), resolve()))
      child.once("exit", (code) => reject(new Error(`driver exited with ${code}`)))
    })
    return new Driver(child)
  }
  /** Sends a command; `onMark` hears the `rate` window marks. Rejects on a driver-side error. */
  run<T = Line>(command: Line, onMark?: (mark: string) => void): Promise<T> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        resolve: (l) => (typeof l["error"] === "string" ? reject(new Error(`${String(command["cmd"])}: ${l["error"]}`)) : resolve(l as T)),
        onMark
      })
      this.child.stdin!.write(JSON.stringify({ ...command, id }) + "\n")
    })
  }
  get pid(): number {
    return this.child.pid!
  }
  stop(): void {
    this.child.stdin!.end()
  }
}
