/**
 * A thread that takes tokens for one key from a shared bucket table as fast as it can, until
 * the table has refused it `refusals` times in a row; it reports how many it got. Started by
 * SharedBucketTable.test.ts, several at once: each says "ready", then all are released by one
 * shared flag.
 */
import { parentPort, workerData } from "node:worker_threads"
import { sharedBucketTable } from "../../../src/security/SharedBucketTable.ts"

const data = workerData as { readonly buffer: SharedArrayBuffer; readonly go: SharedArrayBuffer; readonly key: string; readonly limit: number }
const table = sharedBucketTable(data.buffer)
const go = new Int32Array(data.go)
parentPort!.postMessage("ready")
Atomics.wait(go, 0, 0)
let taken = 0
let refusedInARow = 0
while (refusedInARow < 20_000) {
  // A window of a day: no token comes back during the race.
  if (table.take(data.key, 1_000, data.limit, 86_400_000) === 0) {
    taken++
    refusedInARow = 0
  } else {
    refusedInARow++
  }
}
parentPort!.postMessage(taken)
