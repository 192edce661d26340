/**
 * The bench's measurements of one subject instance, each driven through the load driver and
 * read from /proc: a protocol sanity check, bulk throughput with the subject's CPU per GiB,
 * round-trip latency against a direct connection, connection rates with CPU per operation,
 * and resident memory per idle relayed session. See docs/performance.md for the method.
 *
 * The intercepted subjects (offline, client_only) get the same measurements over game sessions
 * (player names with `@`, the driver's `game` option): their bytes are uncompressed packet bytes.
 */
import * as Net from "node:net"
import { inflateSync } from "node:zlib"
import { decodeStatusClientbound } from "../src/protocol/Status.ts"
import { gameLogin } from "./load/GameClient.ts"
import { probeFrame } from "./load/GameLoad.ts"
import type { Backend, Driver } from "./lib/control.ts"
import { loginHello, statusHello } from "./lib/frames.ts"
import { cpuSeconds, rssBytes } from "./lib/proc.ts"
import { readWireFrame } from "./lib/wire.ts"
import { type Instance, isGameSubject } from "./subjects.ts"

export interface Rig {
  readonly backend: Backend
  readonly driver: Driver
  /** Bytes each login-rate connection sends and gets echoed (`bye:<n>`). */
  readonly loginEchoBytes: number
  /** The game corpus (bench/lib/corpus.ts): its file for the driver, its packets to check what arrives. */
  readonly corpus?: { readonly path: string; readonly packets: ReadonlyArray<Uint8Array> }
  /** The fake session server's URL, when client_only runs. */
  readonly sessionServer?: string
}

/** The driver's `game` option for a game subject, else nothing. */
const gameOf = (rig: Rig, inst: Instance) =>
  isGameSubject(inst.subject)
    ? { game: { ...(rig.sessionServer === undefined ? {} : { sessionServer: rig.sessionServer }), ...(rig.corpus === undefined ? {} : { corpus: rig.corpus.path }) } }
    : {}

/** The player name that picks the backend's behaviour: `@` for a game session. */
const nameFor = (inst: Instance, name: string) => (isGameSubject(inst.subject) ? `@${name}` : name)

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** One status exchange and one login, checked with the project's decoders: a subject that answers wrongly is not measured. */
export const sanityCheck = async (rig: Rig, inst: Instance): Promise<string> => {
  const exchange = (helloHex: string) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Array<Buffer> = []
      const s = Net.connect({ port: inst.port, host: "127.0.0.1" })
      const timer = setTimeout(() => (s.destroy(), reject(new Error("no answer within 5 s"))), 5000)
      s.once("connect", () => s.write(Buffer.from(helloHex, "hex")))
      s.on("data", (c: Buffer) => chunks.push(c))
      s.on("error", (e) => (clearTimeout(timer), reject(e)))
      s.on("close", () => (clearTimeout(timer), resolve(Buffer.concat(chunks))))
    })
  const status = await exchange(statusHello())
  if (isGameSubject(inst.subject)) await gameSanity(rig, inst)
  const response = decodeStatusClientbound(status, 0)
  if (response._tag !== "Done" || response.value._tag !== "StatusResponse") throw new Error(`${inst.subject}: bad status answer (${status.length} bytes)`)
  const pong = decodeStatusClientbound(status, response.offset)
  if (pong._tag !== "Done" || pong.value._tag !== "PongResponse" || pong.value.payload !== 0x1234n) throw new Error(`${inst.subject}: no pong`)
  const expected = Buffer.alloc(rig.loginEchoBytes, 0x41)
  const echoed = isGameSubject(inst.subject) ? expected : await exchange(loginHello(`bye:${rig.loginEchoBytes}`, expected))
  if (!echoed.equals(expected)) throw new Error(`${inst.subject}: login echo got ${echoed.length} bytes`)
  return (JSON.parse(response.value.json) as { description?: { text?: string } }).description?.text ?? ""
}

/**
 * A game subject's login and relay, checked: a 16-byte packet echoed intact through `@bye:16`,
 * and the first 4 MiB of the corpus received through `@src` equal, packet by packet after
 * decryption and inflation, to the packets the corpus was built from.
 */
const gameSanity = async (rig: Rig, inst: Instance): Promise<void> => {
  const readBuffer = Buffer.allocUnsafe(64 * 1024)
  const login = (name: string) => gameLogin({ port: inst.port, hello: Buffer.from(loginHello(name), "hex"), sessionServer: rig.sessionServer, readBuffer })
  const collect = (s: Awaited<ReturnType<typeof login>>, until: (b: Buffer) => boolean) =>
    new Promise<Buffer>((resolve, reject) => {
      let got = Buffer.alloc(0)
      const timer = setTimeout(() => (s.socket.destroy(), reject(new Error(`${inst.subject}: game sanity check: no answer within 10 s`))), 10_000)
      const settle = (outcome: () => void) => (clearTimeout(timer), s.socket.destroy(), outcome())
      s.play((b) => {
        got = Buffer.concat([got, b])
        try {
          if (until(got)) settle(() => resolve(got))
        } catch (e) {
          settle(() => reject(e as Error))
        }
      })
    })
  const echo = await login(`@bye:${rig.loginEchoBytes}`)
  const probe = probeFrame(rig.loginEchoBytes)
  const back = collect(echo, (b) => b.length >= probe.length)
  echo.write(probe)
  if (!(await back).subarray(0, probe.length).equals(probe)) throw new Error(`${inst.subject}: the echoed packet differs`)
  const packets = rig.corpus?.packets ?? []
  const want = 4 * 1024 * 1024
  const src = await login(`@src:${want}`)
  src.write(probeFrame(4)) // go
  let n = 0
  let at = 0
  let bytes = 0
  const received = await collect(src, (b) => {
    // Checks the frames as they complete, until `want` packet bytes.
    for (let f = readWireFrame(b, at, src.threshold); f !== undefined && bytes < want; f = readWireFrame(b, at, src.threshold)) {
      const packet = f.dataLength === 0 ? f.body : inflateSync(f.body)
      if (!Buffer.from(packet).equals(Buffer.from(packets[n % packets.length]!))) throw new Error(`${inst.subject}: packet ${n} differs from the corpus`)
      at = f.end
      n++
      bytes += packet.length
    }
    return bytes >= want
  })
  if (bytes < want || received.length < at) throw new Error(`${inst.subject}: the corpus did not arrive whole`)
}

export interface BulkResult {
  readonly mbps: number
  /** Subject CPU-seconds over the test (NaN for `direct`). */
  readonly cpu: number
  readonly gib: number
  readonly cpuPerGiB: number
  /** CPU-seconds per wall second of the load driver, the backend and the subject. */
  readonly driverCpuShare: number
  readonly backendCpuShare: number
  readonly subjectCpuShare: number
}

/** `conns` connections each receiving (`down`) or sending (`up`) `bytesPerConn`. */
export const bulk = async (rig: Rig, inst: Instance, dir: "down" | "up", conns: number, bytesPerConn: number): Promise<BulkResult> => {
  const { backend, driver } = rig
  const hello = loginHello(nameFor(inst, dir === "down" ? `src:${bytesPerConn}` : `sink:${bytesPerConn}`))
  const pids = inst.pids()
  const read = () => [cpuSeconds(pids), cpuSeconds([driver.pid]), cpuSeconds([backend.pid])] as const
  let [s0, d0, b0] = read()
  // Game connections log in first; the driver's mark starts the measured transfer.
  const r = await driver.run<{ ms: number; bytes: number }>(
    { cmd: "bulk", port: inst.port, hello, conns, bytes: bytesPerConn, dir, ...gameOf(rig, inst) },
    (mark) => void (mark === "start" && ([s0, d0, b0] = read()))
  )
  const [s1, d1, b1] = [cpuSeconds(pids), cpuSeconds([driver.pid]), cpuSeconds([backend.pid])]
  const seconds = r.ms / 1000
  const gib = r.bytes / 2 ** 30
  const cpu = inst.pid === undefined ? Number.NaN : s1 - s0
  return {
    mbps: r.bytes / 1e6 / seconds,
    cpu,
    gib,
    cpuPerGiB: cpu / gib,
    driverCpuShare: (d1 - d0) / seconds,
    backendCpuShare: (b1 - b0) / seconds,
    subjectCpuShare: cpu / seconds
  }
}

export interface RttResult {
  readonly p50: number
  readonly p99: number
  readonly mean: number
  /** The direct connection timed in the alternating blocks (absent for `direct` itself). */
  readonly direct?: { readonly p50: number; readonly p99: number }
}

/** 1 KiB (or `size`) ping-pong through the subject, alternating blocks with a direct connection. */
export const roundTrips = (rig: Rig, inst: Instance, o: { size: number; warmup: number; count: number; block: number }) =>
  rig.driver.run<RttResult>({
    cmd: "rtt",
    port: inst.port,
    ...(inst.subject === "direct" ? {} : { directPort: rig.backend.port }),
    hello: loginHello(nameFor(inst, "echo")),
    ...gameOf(rig, inst),
    ...o
  })

export interface RateResult {
  readonly perSecond: number
  readonly errors: number
  readonly latencyP50: number
  readonly latencyP99: number
  /** Subject CPU µs per completed operation, read at the window's edges. */
  readonly cpuMicrosPerOp: number
  /** What reached the backend during the test: shows whether status pings were answered from a cache. */
  readonly backendStatusRequests: number
  readonly backendLogins: number
}

/** Closed-loop status pings or logins; counts what completes inside the measured window. */
export const rate = async (
  rig: Rig,
  inst: Instance,
  kind: "status" | "login",
  o: { concurrency: number; threads: number; warmupMs: number; durationMs: number }
): Promise<RateResult> => {
  const { backend, driver } = rig
  const game = kind === "login" && isGameSubject(inst.subject)
  // A game login sends its packet itself, once in play.
  const hello = kind === "status" ? statusHello() : game ? loginHello(nameFor(inst, `bye:${rig.loginEchoBytes}`)) : loginHello(`bye:${rig.loginEchoBytes}`, Buffer.alloc(rig.loginEchoBytes, 0x41))
  const before = await backend.stats()
  let c0 = 0
  let c1 = 0
  const pids = inst.pids()
  const r = await driver.run<{ ops: number; errors: number; perSecond: number; p50: number; p99: number }>(
    { cmd: "rate", port: inst.port, hello, kind, expect: rig.loginEchoBytes, ...o, ...(game ? gameOf(rig, inst) : {}) },
    (mark) => {
      if (mark === "start") c0 = cpuSeconds(pids)
      else c1 = cpuSeconds(pids)
    }
  )
  const after = await backend.stats()
  return {
    perSecond: r.perSecond,
    errors: r.errors,
    latencyP50: r.p50,
    latencyP99: r.p99,
    cpuMicrosPerOp: inst.pid === undefined || r.ops === 0 ? Number.NaN : ((c1 - c0) * 1e6) / r.ops,
    backendStatusRequests: after.statusRequests - before.statusRequests,
    backendLogins: after.logins - before.logins
  }
}

export interface MemoryResult {
  readonly sessions: number
  readonly requested: number
  readonly failed: number
  readonly firstError: string
  readonly rssBeforeMiB: number
  readonly rssAfterMiB: number
  readonly kibPerSession: number
  readonly openSeconds: number
}

/**
 * Resident memory per idle relayed session: warm up with a few hundred sessions, settle, read
 * VmRSS (all the subject's processes), open `count` sessions (handshake, Login Start `echo`,
 * 16 bytes echoed through the subject), let them idle, read VmRSS again.
 */
export const idleMemory = async (rig: Rig, inst: Instance, count: number, settleMs: number): Promise<MemoryResult> => {
  const { driver } = rig
  const hello = isGameSubject(inst.subject) ? loginHello(nameFor(inst, "echo")) : loginHello("echo", Buffer.alloc(16, 0x41))
  const open = (n: number) =>
    driver.run<{ opened: number; failed: number; firstError: string; ms: number }>({
      cmd: "idleOpen",
      port: inst.port,
      hello,
      ...gameOf(rig, inst),
      count: n,
      concurrency: 128,
      expect: 16,
      timeoutMs: 300_000
    })
  // The first sessions pay for code and pools that later ones reuse.
  await open(Math.min(500, count))
  await driver.run({ cmd: "idleClose" })
  await sleep(settleMs)
  const before = rssBytes(inst.pids())
  const opened = await open(count)
  await sleep(settleMs)
  const after = rssBytes(inst.pids())
  await driver.run({ cmd: "idleClose" })
  return {
    sessions: opened.opened,
    requested: count,
    failed: opened.failed,
    firstError: opened.firstError,
    rssBeforeMiB: before / 2 ** 20,
    rssAfterMiB: after / 2 ** 20,
    kibPerSession: (after - before) / 1024 / Math.max(1, opened.opened),
    openSeconds: opened.ms / 1000
  }
}
