/**
 * `npm run bench:profile -- [--kind login|status|memory] [--seconds n] [--sessions n] [--workers n] [--baseline <dir>]`:
 * where a login's or a status ping's microseconds go, or what an idle session keeps in memory,
 * in the proxy (passthrough, one process), one kind of load at a time.
 *
 * - login / status: the proxy runs under `node --cpu-prof`; self time is summed per function and
 *   printed (top 30), then inclusive time per source file, then the µs of one operation per
 *   category of code (runtime, project, Node, native, GC; over the measured window, every
 *   thread's profile added up: `--workers 2` runs the proxy with two data-plane workers);
 * - memory: heap snapshots before and after opening `--sessions` idle sessions; what one more
 *   session keeps, by object type and constructor (count and bytes per session), and RSS.
 * With `--baseline <dir>` (a checkout, e.g. a git worktree of an older revision) the same runs
 * there and the rows that moved most are listed side by side. Files land in
 * `.bench-out/profile-<time>/<name>/` (open .cpuprofile and .heapsnapshot in Chrome DevTools).
 *
 * Not the bench: no rounds, no ratios; the machine's load changes absolute CPU figures, shares
 * and per-session memory are what to read.
 */
import { type ChildProcess, spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { parseArgs } from "node:util"
import { freePort, waitForPort } from "../test/support/Ports.ts"
import { Backend, Driver } from "./lib/control.ts"
import { CATEGORIES, type Category, inclusiveBySource, samplesByCategory, selfTimes, type SelfTime } from "./lib/cpuProfile.ts"
import { loginHello, statusHello, statusResponseHex } from "./lib/frames.ts"
import { census, type HeapCensus, perSession } from "./lib/heapSnapshot.ts"
import { cpuSeconds, rssBytes } from "./lib/proc.ts"
import { shippedNodeFlags, writeSubjectConfig } from "./subjects.ts"

const { values: flags } = parseArgs({
  options: {
    kind: { type: "string", default: "login" },
    seconds: { type: "string", default: "6" },
    sessions: { type: "string", default: "2000" },
    baseline: { type: "string" },
    workers: { type: "string", default: "1" }
  },
  strict: true
})
const kind = flags.kind === "status" || flags.kind === "memory" ? flags.kind : "login"
const repo = Path.resolve(import.meta.dirname, "..")
const out = Path.join(repo, ".bench-out", `profile-${new Date().toISOString().replaceAll(":", "-")}`)
const ECHO = Buffer.alloc(16, 0x41)

type Rows = {
  readonly self: ReadonlyArray<SelfTime>
  readonly files: ReadonlyArray<SelfTime>
  /** µs of subject CPU per operation, per category of code (CPU profiles only). */
  readonly perOp?: ReadonlyArray<SelfTime>
}

const startProxy = async (name: string, checkout: string, backend: Backend, nodeFlags: ReadonlyArray<string>) => {
  const dir = Path.join(out, name)
  Fs.mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const config = writeSubjectConfig(dir, port, backend.port, "passthrough", Number(flags.workers))
  const child = spawn(process.execPath, [...shippedNodeFlags(checkout), ...nodeFlags.map((f) => f.replace("<dir>", dir)), Path.join(checkout, "src/main.ts"), "-c", config, "--log-level", "warn"], {
    cwd: dir,
    stdio: ["ignore", "inherit", "inherit"]
  })
  await waitForPort(port, 20_000)
  return { dir, port, child }
}

const stop = (child: ChildProcess) => new Promise<void>((resolve) => (child.once("exit", () => resolve()), child.kill("SIGTERM")))

const cpuProfile = async (name: string, checkout: string, backend: Backend, driver: Driver): Promise<Rows> => {
  const { child, dir, port } = await startProxy(name, checkout, backend, ["--cpu-prof", "--cpu-prof-dir=<dir>"])
  const hello = kind === "status" ? statusHello() : loginHello("bye:16", ECHO)
  let c0 = 0
  let c1 = 0
  const r = await driver.run<{ ops: number; perSecond: number }>(
    { cmd: "rate", port, hello, kind, expect: 16, concurrency: 32, threads: 2, warmupMs: 1000, durationMs: Number(flags.seconds) * 1000 },
    (mark) => (mark === "start" ? (c0 = cpuSeconds([child.pid!])) : (c1 = cpuSeconds([child.pid!])))
  )
  await stop(child)
  const files = Fs.readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"))
  if (files.length === 0) throw new Error(`${name}: no profile written`)
  const cpuPerOp = ((c1 - c0) * 1e6) / r.ops
  console.log(`${name}: ${r.perSecond.toFixed(0)} ${kind}s/s, ${cpuPerOp.toFixed(0)} CPU µs per ${kind} (${files.length} thread profile(s))`)
  // Every thread's profile (coordinator and workers); function rows from the busiest one.
  const profiles = files.map((f) => JSON.parse(Fs.readFileSync(Path.join(dir, f), "utf8")))
  const samples = new Map<Category, number>()
  for (const p of profiles) {
    for (const [c, n] of samplesByCategory(p, Number(flags.seconds) * 1e6)) samples.set(c, (samples.get(c) ?? 0) + n)
  }
  const busy = [...samples.values()].reduce((a, b) => a + b, 0)
  const perOp = CATEGORIES.filter((c) => samples.has(c)).map((c) => ({ key: c, share: ((samples.get(c)! / busy) * cpuPerOp) }))
  const busiest = profiles.sort((a, b) => b.samples.length - a.samples.length)[0]
  return { self: selfTimes(busiest, repo, checkout), files: inclusiveBySource(busiest, repo, checkout), perOp }
}

/** Asks the proxy for a heap snapshot (SIGUSR2) and reads it once its file stops growing. */
const snapshot = async (child: ChildProcess, dir: string): Promise<HeapCensus> => {
  const before = new Set(Fs.readdirSync(dir))
  child.kill("SIGUSR2")
  for (let last = -1; ;) {
    await sleep(500)
    const file = Fs.readdirSync(dir).find((f) => f.endsWith(".heapsnapshot") && !before.has(f))
    if (file === undefined) continue
    const size = Fs.statSync(Path.join(dir, file)).size
    if (size > 0 && size === last) return census(JSON.parse(Fs.readFileSync(Path.join(dir, file), "utf8")))
    last = size
  }
}

const memoryProfile = async (name: string, checkout: string, backend: Backend, driver: Driver): Promise<Rows> => {
  const { child, dir, port } = await startProxy(name, checkout, backend, ["--heapsnapshot-signal=SIGUSR2"])
  const open = (count: number) =>
    driver.run<{ opened: number }>({ cmd: "idleOpen", port, hello: loginHello("echo", ECHO), count, concurrency: 128, expect: 16, timeoutMs: 120_000 })
  // The first sessions pay for code and pools that later ones reuse.
  await open(300)
  await driver.run({ cmd: "idleClose" })
  await sleep(2000)
  const heapBefore = await snapshot(child, dir)
  const rssBefore = rssBytes([child.pid!])
  const { opened } = await open(Number(flags.sessions))
  await sleep(2000)
  const rssAfter = rssBytes([child.pid!])
  const heapAfter = await snapshot(child, dir)
  await driver.run({ cmd: "idleClose" })
  await stop(child)
  const rows = perSession(heapBefore, heapAfter, opened)
  const heapPerSession = rows.reduce((n, r) => n + r.bytesPerSession, 0)
  console.log(`${name}: ${opened} idle sessions, RSS ${((rssAfter - rssBefore) / 1024 / opened).toFixed(2)} KiB/session, JS heap ${(heapPerSession / 1024).toFixed(2)} KiB/session`)
  // Shares of a session's heap, so the side-by-side comparison works as for CPU.
  const asShares = rows.map((r) => ({ key: `${r.key} (${r.countPerSession.toFixed(2)}/session, ${r.bytesPerSession.toFixed(0)} B)`, share: r.bytesPerSession / 1024 }))
  return { self: asShares, files: [] }
}

const show = (rows: ReadonlyArray<SelfTime>, unit: string, n = 30) => {
  for (const r of rows.slice(0, n)) console.log(`${(unit === "%" ? r.share * 100 : r.share).toFixed(unit === "%" ? 1 : 2).padStart(6)}${unit}  ${r.key}`)
}

const compare = (title: string, current: ReadonlyArray<SelfTime>, base: ReadonlyArray<SelfTime>, unit: string, n: number) => {
  // Memory rows carry counts in their keys; compare them by the key before the counts.
  const plain = (key: string) => key.replace(/ \(.*\)$/, "")
  const baseBy = new Map(base.map((r) => [plain(r.key), r.share]))
  const moved = current.map((r) => ({ key: r.key, now: r.share, before: baseBy.get(plain(r.key)) ?? 0 }))
  for (const r of base) if (!current.some((c) => plain(c.key) === plain(r.key))) moved.push({ key: r.key, now: 0, before: r.share })
  moved.sort((a, b) => Math.abs(b.now - b.before) - Math.abs(a.now - a.before))
  const fmt = (v: number) => (unit === "%" ? (v * 100).toFixed(1) : v.toFixed(2)).padStart(6)
  console.log(`\n${title} (current, baseline):`)
  for (const m of moved.slice(0, n)) console.log(`${fmt(m.now)}${unit} ${fmt(m.before)}${unit}  ${m.key}`)
}

const backend = await Backend.start(await freePort(), statusResponseHex())
const driver = await Driver.start()
const run = kind === "memory" ? memoryProfile : cpuProfile
const unit = kind === "memory" ? " KiB" : "%"
const current = await run("current", repo, backend, driver)
console.log(kind === "memory" ? "\nper idle session, current:" : "\nself time, current:")
show(current.self, unit)
if (current.files.length > 0) {
  console.log("\ninclusive time per source file, current:")
  show(current.files, unit, 40)
}
if (current.perOp !== undefined) {
  console.log(`\nµs of CPU per ${kind} by category (measured window, all threads), current:`)
  show(current.perOp, " µs", 10)
}
if (flags.baseline !== undefined) {
  const base = await run("baseline", Path.resolve(flags.baseline), backend, driver)
  compare(kind === "memory" ? "per idle session, moved most" : "self time that moved most", current.self, base.self, unit, 25)
  if (current.files.length > 0) compare("inclusive time per source file that moved most", current.files, base.files, unit, 30)
  if (current.perOp !== undefined && base.perOp !== undefined) compare(`µs of CPU per ${kind} by category`, current.perOp, base.perOp, " µs", 10)
}
console.log(`\nfiles: ${out}`)
driver.stop()
backend.stop()
process.exit(0)
