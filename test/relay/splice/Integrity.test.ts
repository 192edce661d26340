import { assert, describe, it } from "@effect/vitest"
import { createHash, randomFillSync, randomInt } from "node:crypto"
import type * as Net from "node:net"
import { ensureAddon, sleep, splicedPair } from "./rig.ts"

ensureAddon()
const MiB = 1024 * 1024
const TOTAL = 256 * MiB
const SLOW_UNTIL = 8 * MiB

/** Sends `total` random bytes in random-sized writes, honouring backpressure; then ends. */
const send = async (socket: Net.Socket, total: number): Promise<string> => {
  const hash = createHash("sha256")
  for (let sent = 0; sent < total;) {
    const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(randomInt(1, 256 * 1024), total - sent)))
    hash.update(chunk)
    sent += chunk.length
    if (!socket.write(chunk)) await new Promise((r) => socket.once("drain", r))
  }
  socket.end()
  return hash.digest("hex")
}

/** Hashes everything until EOF; reads slowly (pause 5 ms every 256 KiB) for the first 8 MiB. */
const receive = (socket: Net.Socket): Promise<{ digest: string; length: number }> =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256")
    let length = 0
    let nextPause = 256 * 1024
    socket.on("data", (chunk: Buffer) => {
      hash.update(chunk)
      length += chunk.length
      if (length < SLOW_UNTIL && length >= nextPause) {
        nextPause += 256 * 1024
        socket.pause()
        setTimeout(() => socket.resume(), 5)
      }
    })
    socket.once("end", () => resolve({ digest: hash.digest("hex"), length }))
    socket.once("error", reject)
  })

describe("zero_copy integrity", () => {
  it("moves 256 MiB each way at once, with slow readers, bit for bit", async () => {
    const rig = await splicedPair()
    const t0 = performance.now()
    const [up, down, atBackend, atClient] = await Promise.all([
      send(rig.client, TOTAL),
      send(rig.backend, TOTAL),
      receive(rig.backend),
      receive(rig.client)
    ])
    const result = await rig.result
    const seconds = (performance.now() - t0) / 1000
    console.log(`integrity: 2 x 256 MiB in ${seconds.toFixed(1)} s`)
    assert.strictEqual(atBackend.length, TOTAL)
    assert.strictEqual(atClient.length, TOTAL)
    assert.strictEqual(atBackend.digest, up)
    assert.strictEqual(atClient.digest, down)
    assert.strictEqual(result.c2b, TOTAL)
    assert.strictEqual(result.b2c, TOTAL)
    assert.oneOf(result.reason, ["client_closed", "backend_closed"])
    await sleep(0)
    await rig.close()
  }, 60_000)
})
