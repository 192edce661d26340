/**
 * `npm run bench`: the reproducible relay benchmark of infrarust-ts against the baselines
 * people actually deploy, in one run on one machine (method and results: docs/performance.md).
 *
 *   npm run bench [-- --quick] [-- --rounds 5] [-- --subjects pipe,passthrough] [-- --install-peers]
 *
 * Processes (all on 127.0.0.1): the fake backend (bench/backend.ts), the load driver
 * (bench/load/driver.ts, worker threads for connection rates), and one subject at a time —
 * direct, raw Node pipe, HAProxy, nginx, infrarust-ts in each forwarding mode — started fresh
 * per round, in a rotating order. Per subject and round: warm-up, bulk throughput (1 and 64
 * connections, both directions) with the subject's CPU from /proc, 1 KiB round trips, status
 * pings and logins per second (bench/measure.ts). Then a memory phase: a fresh subject,
 * thousands of idle relayed sessions, RSS per session. Tables show medians over rounds;
 * ratios are medians of per-round ratios (bench/summary.ts). Raw results go to
 * .bench-out/<time>/results.json and a Markdown copy to report.md.
 *
 * With the intercepted subjects (`--intercepted`, or `offline`/`client_only` in `--subjects`),
 * the bench also builds the game corpus (bench/packet/Floor.ts's packet mix, compressed at 256)
 * that their game sessions carry, starts a fake Mojang session server for client_only, and
 * measures the CPU floor of those bytes (Floor.ts) at the start of every round; the report puts
 * the subjects' CPU per GiB of packets next to it.
 */
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"
import { startFakeSessionServer } from "../test/support/FakeSessionServer.ts"
import { freeLowPort } from "../test/support/Ports.ts"
import { ensureSbinOnPath } from "../test/support/SystemPath.ts"
import { detectPeers, installPeers } from "./baselines/peers.ts"
import { buildCorpus, type FloorKey, measureFloor } from "./packet/Floor.ts"
import { writeCorpus } from "./lib/corpus.ts"
import { Backend, Driver } from "./lib/control.ts"
import { statusResponseHex } from "./lib/frames.ts"
import { describeMachine, loadAverage } from "./lib/machine.ts"
import { childFileLimit, threadCount } from "./lib/proc.ts"
import { describeFlood, FLOOD_SUBJECTS, floodMemory, type FloodResult } from "./flood.ts"
import { bulk, idleMemory, type MemoryResult, rate, type Rig, roundTrips, sanityCheck } from "./measure.ts"
import { renderReport } from "./report.ts"
import { ALL_SUBJECTS, fdsPerSession, GAME_SUBJECTS, type Instance, isGameSubject, OPTIONAL_SUBJECTS, startSubject, type SubjectName } from "./subjects.ts"
import { type FloorRound, loadSideCheck, type Metrics, type Round, summarize, summarizeFloor } from "./summary.ts"

// apt-get puts haproxy and nginx in /usr/sbin, which a CI or non-login PATH may lack.
ensureSbinOnPath()

const USAGE = `Usage: npm run bench -- [options]

  --quick               one short round (under 2 minutes) instead of the full run (about 7)
  --rounds <n>          rounds of the throughput/latency/rate phase (full: 3, quick: 1)
  --subjects <list>     comma-separated subset of: ${ALL_SUBJECTS.join(",")}
  --install-peers       apt-get install -y haproxy nginx libnginx-mod-stream before starting
  --skip-memory         skip the idle-session memory phase
  --memory-conns <n>    idle sessions per subject in the memory phase (full: 9000, quick: 2000)
  --skip-flood          skip the flood phase (RSS during silent and slowloris connection floods)
  --flood-conns <n>     connections per flood (full: 5000, quick: 2000)
  --only-flood          run only the flood phase (no rounds, no memory phase)
  --worker-threads <n>  write 'worker_threads = <n>' into the proxy's bench config (default:
                        not set, i.e. the proxy's own default)
  --baseline <dir>      also run passthrough from the checkout in <dir> (subject passthrough@base),
                        e.g. a git worktree of the revision before a change
  --noop-plugin         also run passthrough with a plugin listening to every event (passthrough+noop)
  --intercepted         also run the intercepted modes offline and client_only (game sessions:
                        login, compression 256, client_only encrypted), with their CPU floor
  --wasm-plugin         also run passthrough with a WebAssembly plugin listening to every event it
                        can (passthrough+wasm; built with clang-19, see docs/wasm-plugins.md)
  -h, --help            this text
`

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean" },
    rounds: { type: "string" },
    subjects: { type: "string" },
    "install-peers": { type: "boolean" },
    "skip-memory": { type: "boolean" },
    "memory-conns": { type: "string" },
    "skip-flood": { type: "boolean" },
    "flood-conns": { type: "string" },
    "only-flood": { type: "boolean" },
    "worker-threads": { type: "string" },
    baseline: { type: "string" },
    "noop-plugin": { type: "boolean" },
    intercepted: { type: "boolean" },
    "wasm-plugin": { type: "boolean" },
    help: { type: "boolean", short: "h" }
  },
  strict: true
})
if (flags.help) {
  process.stdout.write(USAGE)
  process.exit(0)
}

const MiB = 1024 * 1024
const quick = flags.quick === true
const settings = {
  mode: quick ? "quick" : "full",
  rounds: Number(flags.rounds ?? (quick ? 1 : 3)),
  down1Bytes: (quick ? 256 : 1024) * MiB,
  up1Bytes: (quick ? 128 : 512) * MiB,
  conns64: 64,
  per64Bytes: (quick ? 2 : 8) * MiB,
  warmupBytes: 32 * MiB,
  rttSize: 1024,
  rttWarmup: quick ? 500 : 2000,
  rttCount: quick ? 3000 : 10000,
  rttBlock: 500,
  rateConcurrency: 32,
  rateThreads: 2,
  rateWarmupMs: quick ? 300 : 500,
  rateMs: quick ? 1500 : 3000,
  // A discarded login run first: the first seconds of logins cost up to twice the CPU of later
  // ones (JIT, heap growth), most visibly for the intercepted modes' long login path.
  loginWarmupMs: quick ? 500 : 1000,
  loginEchoBytes: 16,
  memoryConns: Number(flags["memory-conns"] ?? (quick ? 2000 : 9000)),
  memorySettleMs: quick ? 2000 : 3000,
  // Long enough for start-up to be over (plugins loaded, workers listening), so
  // "idle" is the proxy at rest, not still loading.
  floodSettleMs: 8000,
  floodConns: Number(flags["flood-conns"] ?? (quick ? 2000 : 5000)),
  // Longer than first_packet_timeout (5 s), so the flood's sockets are held as long as the proxy lets them be.
  floodHoldMs: quick ? 6000 : 10_000,
  // The intercepted subjects move a quarter of those bulk bytes: client_only runs AES-128-CFB8
  // (about 40 MB/s per core here) in the subject and again in the driver.
  gameBulkScale: 0.25,
  // A game login costs milliseconds of proxy CPU (client_only: RSA, hasJoined): fewer idle sessions.
  gameMemoryConns: Math.min(Number(flags["memory-conns"] ?? (quick ? 2000 : 9000)), quick ? 1000 : 3000),
  corpusMiB: 64,
  floorMinCpuSeconds: 1,
  workerThreads: flags["worker-threads"] ?? "default"
}

const repo = fileURLToPath(new URL("..", import.meta.url))
const outDir = Path.join(repo, ".bench-out", new Date().toISOString().replace(/[:.]/g, "-"))
Fs.mkdirSync(outDir, { recursive: true })
const log = (line: string) => process.stderr.write(`${line}\n`)
const notes: Array<string> = []
const note = (line: string) => void (notes.includes(line) || notes.push(line))
const firstLine = (e: unknown) => (e as Error).message.split("\n")[0]

// ---- machine and peers -------------------------------------------------------------------
if (flags["install-peers"]) {
  log("installing haproxy, nginx and libnginx-mod-stream with apt-get ...")
  installPeers()
}
const peers = detectPeers()
peers.notes.forEach(note)
const machine = describeMachine(repo, peers)

const extras: Array<SubjectName> = [
  ...(flags["noop-plugin"] ? ["passthrough+noop" as const] : []),
  ...(flags.baseline !== undefined ? ["passthrough@base" as const] : []),
  ...(flags["wasm-plugin"] ? ["passthrough+wasm" as const] : []),
  ...(flags.intercepted ? GAME_SUBJECTS : [])
]
const requested = (flags.subjects?.split(",").map((s) => s.trim()) ?? [...ALL_SUBJECTS, ...extras]) as Array<SubjectName>
for (const s of requested) if (!ALL_SUBJECTS.includes(s) && !OPTIONAL_SUBJECTS.includes(s)) throw new Error(`unknown subject ${s}`)
const subjects = requested.filter((s) => (s !== "haproxy" || peers.haproxy !== undefined) && (s !== "nginx" || peers.nginx !== undefined))

log(`infrarust-ts bench (${settings.mode}): ${settings.rounds} round(s); subjects ${subjects.join(", ")}`)
for (const [k, v] of Object.entries(machine)) log(`  ${k.padEnd(18)} ${v}`)
for (const n of peers.notes) log(`  note: ${n}`)
if (Os.loadavg()[0]! > machine.cores / 2) {
  const warning = `the machine was busy when the bench started (load average ${machine.loadAverageAtStart} on ${machine.cores} cores): expect noisy figures`
  note(warning)
  log(`  warning: ${warning}`)
}

// ---- helpers -----------------------------------------------------------------------------
const gameRun = subjects.some(isGameSubject)
const corpus = gameRun ? buildCorpus(settings.corpusMiB) : undefined
const corpusPath = Path.join(outDir, "corpus.bin")
if (corpus !== undefined) {
  writeCorpus(corpusPath, corpus.wire)
  log(`  game corpus: ${corpus.packets.length} packets, ${(corpus.packetBytes / MiB).toFixed(1)} MiB, ${(corpus.wire.length / MiB).toFixed(1)} MiB on the wire at threshold 256`)
}
const sessionServer = subjects.includes("client_only") ? await startFakeSessionServer() : undefined
const rig: Rig = {
  backend: await Backend.start(await freeLowPort(), statusResponseHex(), corpus === undefined ? undefined : corpusPath),
  driver: await Driver.start(),
  loginEchoBytes: settings.loginEchoBytes,
  ...(corpus === undefined ? {} : { corpus: { path: corpusPath, packets: corpus.packets } }),
  ...(sessionServer === undefined ? {} : { sessionServer: sessionServer.url })
}
const FLOOR_ROWS: ReadonlyArray<FloorKey> = ["aes", "zlib", "zlib+aes", "relay", "aes-wire"]
const fileLimit = childFileLimit()
let instanceCount = 0

const start = (subject: SubjectName): Promise<Instance> =>
  startSubject(subject, {
    backendPort: rig.backend.port,
    dir: Path.join(outDir, `${subject}-${++instanceCount}`),
    fileLimit,
    ...(flags["worker-threads"] === undefined ? {} : { workerThreads: Number(flags["worker-threads"]) }),
    ...(flags.baseline === undefined ? {} : { baseline: Path.resolve(flags.baseline) }),
    ...(sessionServer === undefined ? {} : { sessionServer: sessionServer.url })
  })

/** Warnings the subject printed (a missing splice addon, a config problem) become notes. */
const collectWarnings = (inst: Instance) => {
  for (const line of inst.output().split("\n")) {
    // Without the log's timestamp, so the same warning from every round is one note.
    const text = line.trim().replace(/^\d{4}-\d\d-\d\dT[\d:.]+Z\s+/, "")
    if (/zero_copy|WARN|ERROR|ALERT|emerg|\[warn\]|\[error\]/i.test(text)) note(`${inst.subject}: ${text.slice(0, 200)}`)
  }
}

// ---- phase 1: rounds ---------------------------------------------------------------------
const rounds: Array<Round> = []
const floors: Array<FloorRound> = []
const floorNames: Record<string, string> = {}
const phaseStart = performance.now()
const rates = { concurrency: settings.rateConcurrency, threads: settings.rateThreads, warmupMs: settings.rateWarmupMs, durationMs: settings.rateMs }

const onlyFlood = flags["only-flood"] === true
for (let round = 0; round < (onlyFlood ? 0 : settings.rounds); round++) {
  const order = subjects.map((_, i) => subjects[(i + round) % subjects.length]!)
  const results: Round = {}
  rounds.push(results)
  if (corpus !== undefined) {
    // The floor of the game subjects' bytes, in this process, while nothing else runs.
    const t0 = performance.now()
    const rows = measureFloor({ corpus, rows: FLOOR_ROWS, minCpuSeconds: settings.floorMinCpuSeconds })
    floors.push(Object.fromEntries(rows.map((r) => [r.key, r.cpuSecondsPerGiB])) as FloorRound)
    for (const r of rows) floorNames[r.key] = r.name
    log(`round ${round + 1}/${settings.rounds} floor        ${rows.map((r) => `${r.key} ${r.cpuSecondsPerGiB.toFixed(2)}`).join(", ")} CPU-s/GiB  [${((performance.now() - t0) / 1000).toFixed(1)} s]`)
  }
  for (const subject of order) {
    const t0 = performance.now()
    const scale = isGameSubject(subject) ? settings.gameBulkScale : 1
    const inst = await start(subject)
    try {
      const motd = await sanityCheck(rig, inst)
      // Warm-up: JIT, buffers, connection paths.
      await bulk(rig, inst, "down", 1, settings.warmupBytes * scale)
      await bulk(rig, inst, "up", 1, settings.warmupBytes * scale)
      await bulk(rig, inst, "down", 8, (settings.warmupBytes * scale) / 8)
      await roundTrips(rig, inst, { size: settings.rttSize, warmup: 0, count: 500, block: 500 })
      const threads = inst.pids().reduce((a, pid) => a + threadCount(pid), 0)

      const down1 = await bulk(rig, inst, "down", 1, settings.down1Bytes * scale)
      const up1 = await bulk(rig, inst, "up", 1, settings.up1Bytes * scale)
      const down64 = await bulk(rig, inst, "down", settings.conns64, settings.per64Bytes * scale)
      const up64 = await bulk(rig, inst, "up", settings.conns64, settings.per64Bytes * scale)
      // Round trips through the subject alternate with round trips straight to the backend, in
      // blocks, so the added latency compares the same moments of a shared machine.
      const rtt = await roundTrips(rig, inst, { size: settings.rttSize, warmup: settings.rttWarmup, count: settings.rttCount, block: settings.rttBlock })
      const status = await rate(rig, inst, "status", rates)
      await rate(rig, inst, "login", { ...rates, warmupMs: 0, durationMs: settings.loginWarmupMs })
      const login = await rate(rig, inst, "login", rates)
      const allBulk = [down1, up1, down64, up64]
      const metrics: Metrics = {
        threads,
        down1: down1.mbps,
        up1: up1.mbps,
        down64: down64.mbps,
        up64: up64.mbps,
        cpu_down1: down1.cpuPerGiB,
        cpu_up1: up1.cpuPerGiB,
        cpu_down64: down64.cpuPerGiB,
        cpu_up64: up64.cpuPerGiB,
        cpu_bulk: allBulk.reduce((a, b) => a + b.cpu, 0) / allBulk.reduce((a, b) => a + b.gib, 0),
        rtt_p50: rtt.p50,
        rtt_p99: rtt.p99,
        add_p50: rtt.p50 - (rtt.direct?.p50 ?? rtt.p50),
        add_p99: rtt.p99 - (rtt.direct?.p99 ?? rtt.p99),
        status_rate: status.perSecond,
        status_cpu: status.cpuMicrosPerOp,
        login_rate: login.perSecond,
        login_cpu: login.cpuMicrosPerOp
      }
      results[subject] = { metrics, detail: { motd, processes: inst.pids().length, threads, down1, up1, down64, up64, rtt, status, login } }
      if (status.errors + login.errors > 0) note(`round ${round + 1} ${subject}: ${status.errors} status and ${login.errors} login connections failed`)
      log(
        `round ${round + 1}/${settings.rounds} ${subject.padEnd(12)} [${threads} threads] down1 ${down1.mbps.toFixed(0)} MB/s ` +
          `(${down1.cpuPerGiB.toFixed(2)} CPU-s/GiB), up1 ${up1.mbps.toFixed(0)}, down64 ${down64.mbps.toFixed(0)}, up64 ${up64.mbps.toFixed(0)}; ` +
          `RTT ${rtt.p50.toFixed(0)}/${rtt.p99.toFixed(0)} µs (direct ${rtt.direct?.p50.toFixed(0) ?? "–"}/${rtt.direct?.p99.toFixed(0) ?? "–"}); ` +
          `status ${status.perSecond.toFixed(0)}/s (backend saw ${status.backendStatusRequests}); logins ${login.perSecond.toFixed(0)}/s  ` +
          `[${((performance.now() - t0) / 1000).toFixed(1)} s]`
      )
    } catch (e) {
      note(`round ${round + 1} ${subject}: failed: ${firstLine(e)}`)
      log(`round ${round + 1} ${subject}: FAILED: ${(e as Error).message}`)
    } finally {
      collectWarnings(inst)
      await inst.stop()
    }
  }
}
const roundsSeconds = (performance.now() - phaseStart) / 1000

// ---- phase 2: memory per idle relayed session ----------------------------------------------
const memory: Record<string, MemoryResult & { limitedBy?: string }> = {}
const memoryStart = performance.now()
if (!flags["skip-memory"] && !onlyFlood) {
  for (const subject of subjects) {
    if (subject === "direct") continue
    const wanted = isGameSubject(subject) ? settings.gameMemoryConns : settings.memoryConns
    const count = Math.min(wanted, Math.floor((fileLimit - 300) / fdsPerSession(subject)))
    const inst = await start(subject)
    try {
      const m = await idleMemory(rig, inst, count, settings.memorySettleMs)
      const limitedBy = `open-file limit ${fileLimit} / ${fdsPerSession(subject)} fds per session`
      memory[subject] = { ...m, ...(count < wanted ? { limitedBy } : {}) }
      if (m.failed > 0) note(`memory ${subject}: ${m.failed} of ${count} sessions failed (${m.firstError})`)
      if (count < wanted) {
        note(`memory ${subject}: ${count} sessions instead of ${wanted}: the open-file limit is ${fileLimit} and a ${subject} session holds ${fdsPerSession(subject)} descriptors`)
      }
      log(`memory ${subject.padEnd(12)} ${m.sessions} sessions: RSS ${m.rssBeforeMiB.toFixed(1)} → ${m.rssAfterMiB.toFixed(1)} MiB = ${m.kibPerSession.toFixed(2)} KiB/session`)
    } catch (e) {
      note(`memory ${subject}: failed: ${firstLine(e)}`)
      log(`memory ${subject}: FAILED: ${(e as Error).message}`)
    } finally {
      collectWarnings(inst)
      await inst.stop()
    }
  }
}
const memorySeconds = (performance.now() - memoryStart) / 1000

// ---- phase 3: connection floods, with the proxy's default limits ---------------------------
const floods: Record<string, Array<FloodResult>> = {}
const floodStart = performance.now()
if (!flags["skip-flood"]) {
  for (const subject of subjects.filter((s) => FLOOD_SUBJECTS.includes(s))) {
    for (const kind of ["silent", "slowloris"] as const) {
      const inst = await startSubject(subject, {
        backendPort: rig.backend.port,
        dir: Path.join(outDir, `${subject}-flood-${kind}`),
        fileLimit,
        defaultLimits: true,
        ...(flags["worker-threads"] === undefined ? {} : { workerThreads: Number(flags["worker-threads"]) })
      })
      try {
        const f = await floodMemory(inst, { connections: settings.floodConns, holdMs: settings.floodHoldMs, settleMs: settings.floodSettleMs, kind })
        ;(floods[subject] ??= []).push(f)
        if (f.failed > 0) note(`flood ${subject} ${kind}: ${f.failed} of ${f.connections} connections could not be made`)
        log(describeFlood(subject, f))
      } catch (e) {
        note(`flood ${subject} ${kind}: failed: ${firstLine(e)}`)
        log(`flood ${subject} ${kind}: FAILED: ${(e as Error).message}`)
      } finally {
        collectWarnings(inst)
        await inst.stop()
      }
    }
  }
}
const floodSeconds = (performance.now() - floodStart) / 1000

rig.driver.stop()
rig.backend.stop()
await sessionServer?.close()

// ---- report ------------------------------------------------------------------------------
const summary = summarize(rounds, memory, subjects)
const floor = floors.length === 0 ? undefined : summarizeFloor(rounds, floors, floorNames, subjects)
const loadCheck = loadSideCheck(rounds, summary, subjects)
machine.loadAverageAtEnd = loadAverage()
const durationSeconds = { rounds: roundsSeconds, memory: memorySeconds, flood: floodSeconds }
const report = renderReport({ machine, settings, subjects, summary, memory, floods, notes, loadCheck, durationSeconds, ...(floor === undefined ? {} : { floor }) })
const results = { machine, settings, subjects, durationSeconds, summary, floor, memory, floods, loadCheck, targets: report.targets, notes, rounds, floors }
Fs.writeFileSync(Path.join(outDir, "results.json"), JSON.stringify(results, null, 2))
Fs.writeFileSync(Path.join(outDir, "report.md"), report.markdown)
Fs.writeFileSync(Path.join(repo, ".bench-out", "latest.json"), JSON.stringify(results, null, 2))
process.stdout.write(report.text)
process.stdout.write(`\nraw results: ${Path.relative(repo, outDir)}/results.json (Markdown: report.md)\n`)
process.exit(0)
