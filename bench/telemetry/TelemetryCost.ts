/**
 * What telemetry costs the proxy, per exporter: the real proxy (ProxyChild.ts, its own
 * process) with `[telemetry]` absent, with `protocol = "http"` (Effect's built-in OTLP
 * exporter, no SDK) and with `protocol = "grpc"` (@effect/opentelemetry NodeSdk + the official
 * gRPC exporters), exporting to the test suite's OTLP receiver in this process, each with
 * `sampling_ratio` 1.0 (every connection traced: the worst case) and 0.1 (the default), and
 * `export_interval = "1s"` (15 times the default rate).
 *
 * Per variant and round, in a fresh proxy process:
 * - heap after start-up and after the load below (two full GCs each, `--expose-gc`);
 * - relay: CPU of the proxy process per GiB relayed backend → client (4 sessions of 256 MiB,
 *   raw sockets: handshake + login start, then the backend streams);
 * - connections: CPU per status ping (2,000 pings, 20 at a time, answered by the proxy itself:
 *   connection span + 4 stage spans + metrics each).
 * Rounds interleave the variants; the median is printed.
 *
 * Run: `node bench/telemetry/TelemetryCost.ts [rounds=3] [variant prefix, e.g. off]`. Figures are for shapes and ratios
 * on this machine, not absolutes.
 */
import { fork } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import * as Net from "node:net"
import * as os from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { startOtlpReceiver } from "../../test/support/OtlpReceiver.ts"
import { type ProxyDir, writeProxyDir } from "../../test/support/ProxyDir.ts"
import { loginBytes, statusBytes } from "../../test/support/RawClient.ts"

const ROUNDS = Number(process.argv[2] ?? 3)
const SESSION_BYTES = 256 * 1024 * 1024
const SESSIONS = 4
const PINGS = 2000
const PING_CONCURRENCY = 20
const PROTOCOL = 769
const CHILD = fileURLToPath(new URL("./ProxyChild.ts", import.meta.url))

const loginHello = loginBytes("bench.example", "bench", { protocol: PROTOCOL, uuid: "00000000-0000-4000-8000-000000000001" })
const pingHello = statusBytes("nowhere.example", { protocol: PROTOCOL, pingPayload: 1n })

/** A backend that streams SESSION_BYTES to every player once its login arrives, then ends. */
const startBackend = (): Promise<Net.Server> =>
  new Promise((resolve) => {
    const chunk = Buffer.alloc(64 * 1024, 7)
    const server = Net.createServer((socket) => {
      socket.on("error", () => {})
      socket.once("data", () => {
        let left = SESSION_BYTES
        const pump = () => {
          while (left > 0) {
            left -= chunk.length
            if (!socket.write(chunk)) return void socket.once("drain", pump)
          }
          socket.end()
        }
        pump()
      })
    })
    server.listen(0, "127.0.0.1", () => resolve(server))
  })

const session = (port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    let received = 0
    const socket = Net.connect(port, "127.0.0.1", () => socket.write(loginHello))
    socket.on("data", (d) => (received += d.length))
    socket.on("end", () => {
      socket.end()
      resolve(received)
    })
    socket.on("error", reject)
  })

const statusPing = (port: number): Promise<void> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1", () => socket.write(pingHello))
    socket.on("data", () => {})
    socket.on("close", () => resolve())
    socket.on("error", reject)
  })

const pings = async (port: number, count: number) => {
  let next = 0
  await Promise.all(Array.from({ length: PING_CONCURRENCY }, async () => {
    while (next++ < count) await statusPing(port)
  }))
}

interface Child {
  readonly port: number
  readonly ask: <A>(question: "heap" | "cpu") => Promise<A>
  readonly stop: () => Promise<void>
}

const startChild = (configPath: string): Promise<Child> =>
  new Promise((resolve, reject) => {
    const child = fork(CHILD, [configPath], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] })
    let waiting: ((m: unknown) => void) | undefined
    child.on("message", (m: { ready?: number }) => {
      if (m.ready !== undefined) {
        resolve({
          port: m.ready,
          ask: <A>(question: "heap" | "cpu") =>
            new Promise<A>((answer) => {
              waiting = answer as (m: unknown) => void
              child.send(question)
            }),
          stop: () =>
            new Promise<void>((done) => {
              child.once("exit", () => done())
              child.kill("SIGTERM")
            })
        })
      } else {
        waiting?.(m)
      }
    })
    child.once("exit", (code) => reject(new Error(`proxy exited with ${code}`)))
  })

/** "off", or the protocol with the sampling ratio: "http 1.0", "grpc 0.1". */
type Variant = "off" | `${"http" | "grpc"} ${"1.0" | "0.1"}`

interface Figures {
  heapStartMb: number
  heapLoadedMb: number
  rssLoadedMb: number
  relayCpuMsPerGiB: number
  pingCpuUsPerConnection: number
}

const telemetryToml = (variant: Variant, httpPort: number, grpcPort: number) => {
  if (variant === "off") return ""
  const [protocol, ratio] = variant.split(" ")
  return `
[telemetry]
enabled = true
protocol = "${protocol}"
endpoint = "http://127.0.0.1:${protocol === "http" ? httpPort : grpcPort}"
[telemetry.metrics]
export_interval = "1s"
[telemetry.traces]
sampling_ratio = ${ratio}
`
}

const measure = async (variant: Variant, proxyDir: ProxyDir, httpPort: number, grpcPort: number): Promise<Figures> => {
  proxyDir.writeGlobal(
    `shutdown_timeout = "1s"\n[rate_limit]\nmax_connections = 1000000\nstatus_max = 1000000\n` + telemetryToml(variant, httpPort, grpcPort)
  )
  const child = await startChild(proxyDir.configPath)
  const mb = (n: number) => n / 1024 / 1024
  try {
    const start = await child.ask<{ heap: number }>("heap")
    await pings(child.port, 200) // warm-up
    await session(child.port)
    const cpu0 = await child.ask<{ cpu: number }>("cpu")
    let relayed = 0
    for (let i = 0; i < SESSIONS; i++) relayed += await session(child.port)
    const cpu1 = await child.ask<{ cpu: number }>("cpu")
    await pings(child.port, PINGS)
    const cpu2 = await child.ask<{ cpu: number }>("cpu")
    await new Promise((r) => setTimeout(r, 1500)) // one export cycle with the load's data
    const loaded = await child.ask<{ heap: number; rss: number }>("heap")
    if (relayed < SESSIONS * SESSION_BYTES) throw new Error(`relayed only ${relayed} bytes`)
    return {
      heapStartMb: mb(start.heap),
      heapLoadedMb: mb(loaded.heap),
      rssLoadedMb: mb(loaded.rss),
      relayCpuMsPerGiB: (cpu1.cpu - cpu0.cpu) / 1000 / (relayed / 2 ** 30),
      pingCpuUsPerConnection: (cpu2.cpu - cpu1.cpu) / PINGS
    }
  } finally {
    await child.stop()
  }
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const main = async () => {
  const dir = mkdtempSync(join(os.tmpdir(), "infrarust-ts-telemetry-bench-"))
  const receiver = await startOtlpReceiver()
  const backend = await startBackend()
  const backendPort = (backend.address() as Net.AddressInfo).port
  // The proxy's own worker_threads default, as deployed.
  const proxyDir = writeProxyDir(dir, {
    servers: { "bench.toml": `domains = ["bench.example"]\naddresses = ["127.0.0.1:${backendPort}"]\n` },
    workerThreads: "proxy default"
  })
  const all: ReadonlyArray<Variant> = ["off", "http 1.0", "http 0.1", "grpc 1.0", "grpc 0.1"]
  const only = process.argv[3]
  const variants = only === undefined ? all : all.filter((v) => v.startsWith(only))
  const results = new Map<Variant, Array<Figures>>(variants.map((v) => [v, []]))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const variant of variants) {
        results.get(variant)!.push(await measure(variant, proxyDir, receiver.httpPort, receiver.grpcPort))
      }
    }
  } finally {
    backend.close()
    await receiver.close()
    rmSync(dir, { recursive: true, force: true })
  }
  console.log(`${os.cpus()[0]?.model ?? "cpu"} x${os.cpus().length}, Node ${process.version}, ${ROUNDS} rounds (median)`)
  console.log(`spans received: ${receiver.spans.length}, metric batches: ${JSON.stringify(receiver.requests)}`)
  console.log("variant | heap at start MB | heap after load MB | RSS after load MB | relay CPU ms/GiB | CPU µs per status ping")
  for (const variant of variants) {
    const rs = results.get(variant)!
    const m = (f: (r: Figures) => number) => median(rs.map(f)).toFixed(1)
    console.log(
      `${variant} | ${m((r) => r.heapStartMb)} | ${m((r) => r.heapLoadedMb)} | ${m((r) => r.rssLoadedMb)} | ${m((r) => r.relayCpuMsPerGiB)} | ${m((r) => r.pingCpuUsPerConnection)}`
    )
  }
}

main().catch((error) => {
  console.error(error)
  process.exitCode = 1
})
