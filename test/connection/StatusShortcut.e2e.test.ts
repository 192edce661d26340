/**
 * Cached status pings through the real proxy once the cache is warm (the shortcut's case): the
 * backend is asked once; a ping sent with the request and one sent after the response both get
 * their pong; the status bucket still counts (a limited ping is answered and logged as limited);
 * and a banned address, the global `[ip_filter]` and a server's `[ip_filter]` still get no
 * status, warm cache or not.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { decodeStatusClientbound, encodePingRequest } from "../../src/protocol/Status.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { exchange, statusBytes } from "../support/RawClient.ts"
import { rawPing, statusBackend } from "../status/support/StatusPeers.ts"

const HOST = "mc.example.com"
const BODY = { version: { name: "1.21.4", protocol: 769 }, players: { max: 20, online: 0 }, description: "warm" }

/** The packets of a status exchange's bytes, in order. */
const packetsOf = (bytes: Uint8Array) => {
  const out: Array<ReturnType<typeof decodeStatusClientbound> & { _tag: "Done" }> = []
  for (let offset = 0; offset < bytes.length;) {
    const r = decodeStatusClientbound(bytes, offset)
    if (r._tag !== "Done") break
    out.push(r)
    offset = r.offset
  }
  return out.map((r) => r.value)
}

/** Handshake and request first; the ping only once the response is in, as vanilla clients do. */
const pingAfterResponse = (port: number, payload: bigint) =>
  Effect.promise(() =>
    new Promise<{ json: string; pong: bigint | undefined }>((resolve, reject) => {
      const socket = Net.connect(port, "127.0.0.1")
      const all = statusBytes(HOST, { protocol: 769 })
      const ping = encodePingRequest(payload)
      let received: Uint8Array = new Uint8Array(0)
      let json: string | undefined
      const timer = setTimeout(() => (socket.destroy(), reject(new Error("timed out"))), 5000)
      socket.on("connect", () => socket.write(all.subarray(0, all.length - ping.length)))
      socket.on("error", reject)
      socket.on("data", (chunk: Buffer) => {
        received = Buffer.concat([received, chunk])
        const packets = packetsOf(received)
        const response = packets.find((p) => p._tag === "StatusResponse")
        if (json === undefined && response?._tag === "StatusResponse") (json = response.json, socket.write(ping))
        const pong = packets.find((p) => p._tag === "PongResponse")
        if (pong?._tag === "PongResponse") (clearTimeout(timer), socket.destroy(), resolve({ json: json!, pong: pong.payload }))
      })
    })
  )

describe("cached status pings", () => {
  it.live("a warm cache answers without the backend; pongs, rate limits, bans and filters hold", () =>
    Effect.gen(function*() {
      const backend = yield* statusBackend(() => BODY)
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "infrarust-ts-shortcut-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      const bans = join(dir, "bans.json")
      const now = Math.floor(Date.now() / 1000)
      writeFileSync(bans, JSON.stringify({ bans: [{ target: { type: "ip", value: "127.0.6.9" }, reason: null, expires_at: null, created_at: now, source: "console" }], audit_log: [] }))
      const proxy = yield* startProxy({
        global: `[ban]\nfile = ${JSON.stringify(bans)}\n[status_cache]\nttl = "60s"\n[rate_limit]\nstatus_max = 3\nstatus_window = "60s"\n[ip_filter]\nblacklist = ["127.0.7.0/24"]\n`,
        servers: {
          "mc.toml": serverToml([HOST], [`127.0.0.1:${backend.port}`]),
          "private.toml": serverToml(["private.example.com"], [`127.0.0.1:${backend.port}`], `[ip_filter]\nwhitelist = ["127.0.5.5"]`)
        }
      })
      // Warm both entries (the private one from its one allowed address).
      const first = JSON.parse(yield* Effect.promise(() => rawPing(proxy.port, HOST, 769))) as Record<string, unknown>
      assert.strictEqual(first["description"], "warm")
      yield* Effect.promise(() => exchange(proxy.port, statusBytes("private.example.com", { protocol: 769 }), { localAddress: "127.0.5.5" }))
      const served = backend.served()

      // Pipelined pings, from addresses with their own buckets: one write back each, pong included.
      for (const [i, address] of ["127.0.8.1", "127.0.8.2", "127.0.8.3"].entries()) {
        const got = yield* Effect.promise(() => exchange(proxy.port, statusBytes(HOST, { protocol: 769, pingPayload: BigInt(100 + i) }), { localAddress: address }))
        const packets = packetsOf(got.received)
        assert.deepStrictEqual(packets.map((p) => p._tag), ["StatusResponse", "PongResponse"], address)
        const pong = packets[1]
        assert.strictEqual(pong?._tag === "PongResponse" ? pong.payload : undefined, BigInt(100 + i))
        assert.isTrue(got.closed)
      }
      // The ping after the response, as a vanilla client sends it.
      const late = yield* pingAfterResponse(proxy.port, 4242n)
      assert.strictEqual(late.pong, 4242n)
      assert.strictEqual((JSON.parse(late.json) as { description: string }).description, "warm")

      // status_max = 3 from one address: the fourth and fifth are limited, answered, and logged so.
      for (let i = 0; i < 5; i++) {
        const got = yield* Effect.promise(() => exchange(proxy.port, statusBytes(HOST, { protocol: 769 }), { localAddress: "127.0.9.1" }))
        assert.deepStrictEqual(packetsOf(got.received).map((p) => p._tag), ["StatusResponse", "PongResponse"], `ping ${i + 1}`)
      }
      const limited = proxy.logs.filter((l) => l.message.startsWith("status ping rate limited (127.0.9.1"))
      assert.strictEqual(limited.length, 2)
      assert.isTrue(limited.every((l) => l.level === "Debug" && l.message.includes(": answered without the backend")), JSON.stringify(limited))

      // Refused addresses get no status, warm cache or not.
      for (const [what, address, host] of [
        ["a banned address", "127.0.6.9", HOST],
        ["the global [ip_filter]", "127.0.7.7", HOST],
        ["the server's [ip_filter]", "127.0.5.6", "private.example.com"]
      ] as const) {
        const got = yield* Effect.promise(() => exchange(proxy.port, statusBytes(host, { protocol: 769 }), { localAddress: address }))
        assert.isTrue(got.closed, what)
        // (The global filter's refusal is Infrarust's "IP ... is not allowed" disconnect text.)
        assert.isFalse(packetsOf(got.received).some((p) => p._tag === "StatusResponse" && p.json.includes("warm")), what)
      }
      assert.strictEqual(backend.served(), served, "no ping after the warm-up reached the backend")
    }), { timeout: 30_000 })
})
