/**
 * Child program for Addon.test.ts: the relay must keep the process alive while a pair runs,
 * and must not once every pair has ended.
 * - default: relays a pair to its end, closes everything; the process must then exit by itself.
 * - `hold`: everything but the relay is unref'd and an unref'd timer cancels the pair after
 *   1 s; printing a result at all proves the running pair kept the process alive.
 */
import { splicedPair } from "../rig.ts"

const hold = process.argv.includes("hold")
const rig = await splicedPair()
rig.unref()
rig.backend.on("data", () => {})
rig.client.on("data", () => {})
if (hold) {
  setTimeout(() => rig.handle.cancel(), 1000).unref()
} else {
  rig.client.end("bye")
  rig.backend.end("bye")
}
const result = await rig.result
await rig.close()
process.stdout.write(JSON.stringify({ result, at: Math.round(performance.now()) }) + "\n")
