/**
 * Throughput and CPU of the zero_copy relay against Node's pipe(), same rig, same machine:
 * `node test/relay/splice/programs/Bench.ts [MiB=1024] [rounds=3]`. The backend sends MiB to
 * the client through a proxy process (BenchProxy.ts); the proxy's CPU is what is compared.
 * Not a test: numbers on a shared 2-vCPU machine are noisy; read the ratio, not the values.
 */
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import * as Net from "node:net"
import { fileURLToPath } from "node:url"

const MiB = 1024 * 1024
const size = Number(process.argv[2] ?? 1024) * MiB
const rounds = Number(process.argv[3] ?? 3)
const block = Buffer.alloc(256 * 1024, 0x5a)

const backend = Net.createServer({ allowHalfOpen: true, noDelay: true }, (s) => {
  s.on("data", () => {})
  let sent = 0
  const pump = () => {
    while (sent < size) {
      sent += block.length
      if (!s.write(block)) return void s.once("drain", pump)
    }
    s.end()
  }
  pump()
})
await new Promise<void>((r) => backend.listen(0, "127.0.0.1", r))
const backendPort = (backend.address() as Net.AddressInfo).port

const once = async (mode: string) => {
  const proxy = spawn(process.execPath, [fileURLToPath(new URL("./BenchProxy.ts", import.meta.url)), mode, String(backendPort)])
  const lines = createInterface({ input: proxy.stdout })[Symbol.asyncIterator]()
  const port = Number((await lines.next()).value)
  const t0 = performance.now()
  const client = Net.connect({ port, host: "127.0.0.1", allowHalfOpen: true, noDelay: true })
  let got = 0
  client.on("data", (c: Buffer) => (got += c.length))
  await new Promise((r) => client.once("end", r))
  const seconds = (performance.now() - t0) / 1000
  client.end()
  const { cpuMs } = JSON.parse((await lines.next()).value as string) as { cpuMs: number }
  proxy.kill()
  if (got !== size) throw new Error(`${mode}: got ${got} of ${size}`)
  return { mode, mbps: size / 1e6 / seconds, cpuSPerGiB: cpuMs / 1000 / (size / (1024 * MiB)) }
}

const results: Array<{ mode: string; mbps: number; cpuSPerGiB: number }> = []
for (let round = 0; round < rounds; round++) {
  const modes = ["pipe", "pipe-effect", "splice"]
  for (const mode of round % 2 === 0 ? modes : modes.toReversed()) {
    const r = await once(mode)
    results.push(r)
    console.log(`round ${round} ${mode.padEnd(11)} ${r.mbps.toFixed(0).padStart(5)} MB/s  proxy CPU ${r.cpuSPerGiB.toFixed(3)} s/GiB`)
  }
}
const median = (xs: Array<number>) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const mode of ["pipe", "pipe-effect", "splice"]) {
  const mine = results.filter((r) => r.mode === mode)
  console.log(`median ${mode.padEnd(11)} ${median(mine.map((r) => r.mbps)).toFixed(0)} MB/s  ${median(mine.map((r) => r.cpuSPerGiB)).toFixed(3)} s/GiB`)
}
backend.close()
