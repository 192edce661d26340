import { assert, describe, it } from "@effect/vitest"
import { randomBytes } from "node:crypto"
import type * as Net from "node:net"
import { collect, ensureAddon, fdCount, sleep, splicedPair, waitFor } from "./rig.ts"

const addon = ensureAddon()
const MiB = 1024 * 1024

const write = (s: Net.Socket, data: Buffer | string) => new Promise<void>((r, j) => s.write(data, (e) => (e ? j(e) : r())))

describe("zero_copy splice relay", () => {
  it("half-close: the backend's last bytes and EOF reach the client, which can still send", async () => {
    const rig = await splicedPair()
    const atBackend = collect(rig.backend)
    const atClient = collect(rig.client)
    await write(rig.client, "hello backend")
    rig.backend.end("final message, then EOF")
    const clientGot = await atClient
    assert.strictEqual(clientGot.toString(), "final message, then EOF")
    // The backend has closed its side; the client's direction is still open.
    await write(rig.client, " and more after your EOF")
    rig.client.end()
    assert.strictEqual((await atBackend).toString(), "hello backend and more after your EOF")
    const result = await rig.result
    assert.deepStrictEqual(result, {
      reason: "backend_closed",
      c2b: "hello backend and more after your EOF".length,
      b2c: "final message, then EOF".length
    })
    await rig.close()
  })

  it("bytes Node read or queued before the hand-off go first and in order", async () => {
    const early = randomBytes(3000)
    const greeting = randomBytes(1500)
    const handshake = randomBytes(4 * MiB) // large: still queued in Node at hand-off time
    const late = randomBytes(100_000)
    const late2 = randomBytes(70_000)
    let queuedAtHandoff = 0
    let atBackend: Promise<Buffer> | undefined
    const rig = await splicedPair({
      onClient: (client) => void client.write(early),
      onBackend: (backend) => void backend.write(greeting),
      beforeSplice: async (proxyClient, proxyBackend, backend) => {
        await waitFor("early client bytes in Node", () => proxyClient.readableLength === early.length)
        await waitFor("backend greeting in Node", () => proxyBackend.readableLength === greeting.length)
        backend.pause()
        proxyBackend.write(handshake)
        queuedAtHandoff = proxyBackend.writableLength
        setTimeout(() => {
          atBackend = collect(backend)
          backend.resume()
        }, 50)
      }
    })
    assert.isAbove(queuedAtHandoff, 0, "the handshake write should still be queued at hand-off")
    const atClient = collect(rig.client)
    await write(rig.client, late)
    rig.client.end()
    await write(rig.backend, late2)
    rig.backend.end()
    assert.isTrue((await atClient).equals(Buffer.concat([greeting, late2])))
    await waitFor("backend collector", () => atBackend !== undefined)
    assert.isTrue((await atBackend!).equals(Buffer.concat([handshake, early, late])))
    const result = await rig.result
    assert.strictEqual(result.c2b, early.length + late.length) // the proxy's own handshake is not relayed
    assert.strictEqual(result.b2c, greeting.length + late2.length)
    await rig.close()
  })

  it("idle timeout ends a silent pair, and activity postpones it", async () => {
    const rig = await splicedPair({ splice: { idleTimeoutMs: 200 } })
    let ended = false
    void rig.result.then(() => (ended = true))
    rig.backend.on("data", () => {})
    for (let i = 0; i < 8; i++) {
      await write(rig.client, "x")
      await sleep(60)
    }
    assert.isFalse(ended, "ended while bytes were moving every 60 ms")
    const result = await rig.result
    assert.strictEqual(result.reason, "idle_timeout")
    assert.strictEqual(result.c2b, 8)
    await rig.close()
  })

  it("idle timeout also covers a hand-off stuck behind a backend that never reads", async () => {
    const rig = await splicedPair({
      splice: { idleTimeoutMs: 200 },
      beforeSplice: async (_proxyClient, proxyBackend, backend) => {
        backend.pause()
        proxyBackend.write(Buffer.alloc(32 * MiB)) // more than the kernel buffers can take
      }
    })
    const result = await rig.result
    assert.strictEqual(result.reason, "idle_timeout")
    await rig.close()
  })

  it("cancel() ends a transfer promptly, leaks no descriptor over 200 pairs, and the thread stops", async () => {
    const warm = await splicedPair()
    warm.handle.cancel()
    await warm.result
    await warm.close()
    await waitFor("relay thread to stop", () => !addon.stats().threadRunning)
    const before = fdCount()
    const payload = Buffer.alloc(16 * MiB) // shared by every writer: Node does not copy it
    for (let batch = 0; batch < 4; batch++) {
      const rigs = await Promise.all(Array.from({ length: 50 }, () => splicedPair()))
      for (const [i, rig] of rigs.entries()) {
        // Half the pairs are stuck behind a reader that never reads (bytes sit in the pipes and
        // kernel buffers), half are streaming when cancelled.
        if (i % 2 === 0) rig.backend.pause()
        else rig.backend.on("data", () => {})
        rig.client.on("error", () => {})
        rig.client.write(payload)
      }
      await waitFor("every pair to be moving bytes", () => rigs.every((r) => r.handle.bytes().c2b > 0))
      const t0 = performance.now()
      for (const rig of rigs) rig.handle.cancel()
      const results = await Promise.all(rigs.map((r) => r.result))
      assert.isBelow(performance.now() - t0, 1000)
      for (const [i, r] of results.entries()) {
        assert.strictEqual(r.reason, "cancelled")
        if (i % 2 === 0) assert.isBelow(r.c2b, payload.length) // stuck mid-transfer
      }
      await Promise.all(rigs.map((r) => r.close()))
    }
    await waitFor("relay thread to stop", () => !addon.stats().threadRunning)
    assert.strictEqual(addon.stats().pairs, 0)
    await waitFor("sockets to close", () => fdCount() <= before, 3000).catch(() => {})
    assert.strictEqual(fdCount(), before)
  })

  for (const side of ["client", "backend"] as const) {
    it(`a reset from the ${side} ends the relay with reason "error" and says which side`, async () => {
      const rig = await splicedPair()
      const peer = side === "client" ? rig.client : rig.backend
      const other = side === "client" ? rig.backend : rig.client
      other.on("data", () => {})
      peer.write(Buffer.alloc(MiB))
      await waitFor("bytes moving", () => rig.handle.bytes()[side === "client" ? "c2b" : "b2c"] > 0)
      peer.resetAndDestroy()
      const result = await rig.result
      assert.strictEqual(result.reason, "error")
      assert.strictEqual(result.errorSide, side)
      assert.match(result.error ?? "", /ECONNRESET|EPIPE/)
      await rig.close()
    })
  }

  it("a peer that closes and is then reset by bytes still coming counts as closing, not failing", async () => {
    const rig = await splicedPair()
    rig.client.destroy() // FIN; its kernel answers the next bytes with RST
    await collect(rig.backend) // the FIN went through to the backend
    rig.backend.write(Buffer.alloc(MiB))
    const result = await rig.result
    assert.strictEqual(result.reason, "client_closed")
    assert.strictEqual(result.errorSide, "client")
    assert.match(result.error ?? "", /EPIPE|ECONNRESET/)
    await rig.close()
  })

  it("bytes() reports live counts without ending the relay", async () => {
    const rig = await splicedPair()
    rig.backend.on("data", () => {})
    await write(rig.client, Buffer.alloc(10_000))
    await waitFor("10000 bytes relayed", () => rig.handle.bytes().c2b === 10_000)
    await write(rig.backend, "abc")
    await waitFor("3 bytes relayed back", () => rig.handle.bytes().b2c === 3)
    rig.handle.cancel()
    assert.deepStrictEqual(await rig.result, { reason: "cancelled", c2b: 10_000, b2c: 3 })
    await rig.close()
  })
})
