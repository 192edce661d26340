/**
 * A worker entry for the crash test: the real worker (src/workers/WorkerMain.ts), except that
 * worker 0, the first time it runs in a given config directory, throws an uncaught exception
 * 1.5 s after it starts — a bug in a worker, as the coordinator sees one.
 */
import { existsSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { workerData } from "node:worker_threads"
import type { WorkerData } from "../../../src/workers/Ops.ts"

await import("../../../src/workers/WorkerMain.ts")

const data = workerData as WorkerData
const marker = join(dirname(data.configPath), "worker-0-crashed")
if (data.index === 0 && !existsSync(marker)) {
  writeFileSync(marker, "")
  setTimeout(() => {
    throw new Error("boom: a bug in worker 0")
  }, 1500)
}
