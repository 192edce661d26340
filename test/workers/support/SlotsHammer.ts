/**
 * A thread that takes connection slots as fast as it can, never giving one back, until the
 * slots refuse it `refusals` times in a row; it reports how many it got. Started by
 * ConnectionSlots.test.ts, several at once, all released by one shared flag.
 */
import { parentPort, workerData } from "node:worker_threads"
import { slotsOf } from "../../../src/workers/ConnectionSlots.ts"

const data = workerData as { readonly buffer: SharedArrayBuffer; readonly index: number; readonly go: SharedArrayBuffer }
const view = slotsOf(data.buffer).forWorker(data.index)
const go = new Int32Array(data.go)
Atomics.wait(go, 0, 0)
let taken = 0
let refusedInARow = 0
while (refusedInARow < 10_000) {
  if (view.take()) {
    taken++
    refusedInARow = 0
  } else {
    refusedInARow++
  }
}
parentPort!.postMessage(taken)
