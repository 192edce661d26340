import { assert, describe, it } from "@effect/vitest"
import { readdirSync, readFileSync } from "node:fs"
import { collect, ensureAddon, sleep, splicedPair, waitFor } from "./rig.ts"

ensureAddon()
const MiB = 1024 * 1024
/** How long the relayed count must stay put before the pair counts as stalled. */
const STALL_MS = 300

/** CPU time (ms) used so far by the addon's relay thread, found by its name. */
const relayThreadCpuMs = (): number => {
  const hz = 100 // USER_HZ: /proc reports clock ticks of 10 ms on Linux
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, "utf8").trim() !== "zero_copy relay") continue
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8")
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / hz // utime, stime
    } catch {
      // another thread exited between readdir and read
    }
  }
  throw new Error("no thread named 'zero_copy relay' while a pair is running")
}

/** CPU used while sleeping `ms`: by the relay thread (ms), and by the whole process (process.cpuUsage, µs). */
const cpuDuring = async (ms: number) => {
  const relay0 = relayThreadCpuMs()
  const proc0 = process.cpuUsage()
  await sleep(ms)
  return { relayMs: relayThreadCpuMs() - relay0, proc: process.cpuUsage(proc0) }
}

describe("zero_copy backpressure", () => {
  it("a stalled reader stops the sender in the kernel, and the relay thread sleeps meanwhile", async () => {
    const rig = await splicedPair()
    rig.backend.pause() // nobody reads at the backend
    const payload = Buffer.alloc(64 * MiB, 7)
    let flushed = false
    rig.client.write(payload, () => (flushed = true))
    // Every buffer on the way fills up: the relayed count stops changing (a fixed wait was too
    // short on a loaded machine, where the relay was still filling them).
    let stalledAt = -1
    let since = performance.now()
    await waitFor("the relay to stall", () => {
      const now = rig.handle.bytes().c2b
      if (now !== stalledAt) (stalledAt = now, since = performance.now())
      return stalledAt > 0 && performance.now() - since >= STALL_MS
    }, 10_000)
    const { relayMs: cpuStalled, proc } = await cpuDuring(1000)
    console.log(
      `stalled: ${(stalledAt / MiB).toFixed(1)} MiB relayed of 64, relay thread ${cpuStalled} ms CPU in 1 s, ` +
        `process ${((proc.user + proc.system) / 1000).toFixed(0)} ms`
    )
    assert.isFalse(flushed, "the client's write should still be waiting")
    assert.isBelow(stalledAt, 32 * MiB, "only kernel buffers may hold the unread bytes")
    assert.strictEqual(rig.handle.bytes().c2b, stalledAt, "nothing moves while the reader is stalled")
    assert.isAtMost(cpuStalled, 20, "the relay thread must not spin while blocked")
    const atBackend = collect(rig.backend)
    rig.backend.resume()
    rig.client.end()
    assert.strictEqual((await atBackend).length, payload.length)
    await waitFor("client write flushed", () => flushed)
    rig.backend.end()
    assert.strictEqual((await rig.result).c2b, payload.length)
    await rig.close()
  })

  it("an idle pair costs no CPU", async () => {
    const rig = await splicedPair()
    rig.client.write("ping")
    await new Promise((r) => rig.backend.once("data", r))
    const { relayMs: cpuIdle, proc } = await cpuDuring(2000)
    console.log(
      `idle pair: relay thread ${cpuIdle} ms CPU in 2 s, process ${((proc.user + proc.system) / 1000).toFixed(0)} ms`
    )
    assert.strictEqual(cpuIdle, 0)
    assert.isBelow(proc.user + proc.system, 100_000)
    rig.handle.cancel()
    await rig.result
    await rig.close()
  })
})
