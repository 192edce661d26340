/**
 * Proxy half of Bench.ts, in its own process so its CPU time is the relay's alone:
 * `node BenchProxy.ts <splice|pipe|pipe-effect> <backendPort>`. Prints its port, then one JSON
 * line per connection with the CPU time (user + system, all threads, the addon's included).
 * `pipe` is a bare process; `pipe-effect` loads the splice module (and so Effect) unused,
 * which is what pipe costs inside the real proxy (the "heap tax" of docs effect4.md §5).
 */
import * as Net from "node:net"

const [mode, backendPort] = [process.argv[2], Number(process.argv[3])]
const splice = mode === "pipe" ? undefined : await import("../../../../src/relay/splice/Splice.ts")
const server = Net.createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
  const backend = Net.connect({ port: backendPort, host: "127.0.0.1", allowHalfOpen: true, noDelay: true })
  backend.once("connect", () => {
    const cpu0 = process.cpuUsage()
    const t0 = performance.now()
    const report = () => {
      const cpu = process.cpuUsage(cpu0)
      const line = { cpuMs: (cpu.user + cpu.system) / 1000, wallMs: performance.now() - t0 }
      process.stdout.write(JSON.stringify(line) + "\n")
      client.destroy()
      backend.destroy()
    }
    if (mode !== "splice" || splice === undefined) {
      let open = 2
      const done = () => --open === 0 && report()
      client.pipe(backend).on("finish", done)
      backend.pipe(client).on("finish", done)
    } else {
      const h = splice.startSplice(client, backend, {}, report)
      if (h._tag !== "SpliceHandle") throw h
    }
  })
})
server.listen(0, "127.0.0.1", () => process.stdout.write(`${(server.address() as Net.AddressInfo).port}\n`))
