/**
 * The proxy under measurement for TelemetryCost.ts: the production `ProxyLayer` in a process
 * of its own (started with `--expose-gc`), answering the parent over IPC:
 * `{ ready: port }` once listening; `"heap"` → heap after two full GCs; `"cpu"` → CPU time
 * used so far (user + system, µs).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import * as Logging from "../../src/observability/Logging.ts"
import { ProxyLayer } from "../../src/ProxyLayer.ts"

const send = (message: unknown) => process.send?.(message)
const gc = (globalThis as { gc?: () => void }).gc

process.on("message", (message) => {
  if (message === "heap") {
    gc?.()
    gc?.()
    const m = process.memoryUsage()
    send({ heap: m.heapUsed, rss: m.rss })
  } else if (message === "cpu") {
    const c = process.cpuUsage()
    send({ cpu: c.user + c.system })
  }
})

NodeRuntime.runMain(
  Layer.launch(ProxyLayer({ configPath: process.argv[2]!, onListening: (a) => send({ ready: a.port }) })).pipe(
    Effect.provide(Logging.layer({ format: "text", level: "Warn" }))
  )
)
