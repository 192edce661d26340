/**
 * Health probes against real sockets: a status check needs a Minecraft answer (an open port
 * that never answers is down, where a TCP check passes), failures carry a readable reason, and
 * with `send_proxy_protocol` both kinds open with a PROXY v2 LOCAL header.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Result } from "effect"
import * as Net from "node:net"
import { probeBackend } from "../../src/backend/HealthProbe.ts"
import { type LoadedServer, parseServerConfig } from "../../src/config/ConfigLoader.ts"
import { encodeProxyHeaderV2Local } from "../../src/proxy-protocol/ProxyHeader.ts"
import { mcServer } from "../support/McPeers.ts"
import { freePort } from "../support/Ports.ts"

const server = (address: string, extra = ""): LoadedServer => {
  const text = `domains = ["mc.example.com"]\naddresses = ["${address}"]\n${extra}\n[health_check]\ntimeout = "300ms"\n`
  const parsed = parseServerConfig(text, "servers/hp.toml", "hp", "linux")
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
  return { id: "hp", file: "hp.toml", path: "servers/hp.toml", config: parsed.success.config }
}

const check = (s: LoadedServer, kind: "status" | "tcp") =>
  probeBackend(s, s.config.addresses[0]!, { ...s.config.healthCheck!, kind })

/** A TCP server that accepts, records what it receives, and never answers. */
const silentServer = Effect.acquireRelease(
  Effect.promise(() =>
    new Promise<{ port: number; received: Array<Buffer>; server: Net.Server }>((resolve) => {
      const received: Array<Buffer> = []
      const srv = Net.createServer((socket) => {
        socket.on("data", (chunk) => received.push(chunk))
        socket.on("error", () => {})
        socket.on("end", () => socket.end())
      })
      srv.listen(0, "127.0.0.1", () => resolve({ port: (srv.address() as Net.AddressInfo).port, received, server: srv }))
    })
  ),
  ({ server: srv }) => Effect.sync(() => srv.close())
)

describe("health probes (real sockets)", () => {
  it.live("a status check passes against a Minecraft server and the server saw a status handshake", () =>
    Effect.gen(function*() {
      const mc = yield* mcServer("1.20.4", { keepAlive: false })
      const s = server(mc.address)
      yield* check(s, "status")
      yield* check(s, "tcp")
      assert.strictEqual(mc.pings(), 1)
      assert.strictEqual(mc.logins(), 0)
    }))

  it.live("an open port that never answers fails a status check but passes a TCP check", () =>
    Effect.gen(function*() {
      const silent = yield* silentServer
      const s = server(`127.0.0.1:${silent.port}`)
      const status = yield* Effect.exit(check(s, "status"))
      assert.isTrue(Exit.isFailure(status))
      assert.include(JSON.stringify(status), "no status answer within 300ms")
      yield* check(s, "tcp")
    }))

  it.live("a dead port fails both kinds with the connect error as the reason", () =>
    Effect.gen(function*() {
      const port = yield* Effect.promise(freePort)
      const s = server(`127.0.0.1:${port}`)
      for (const kind of ["status", "tcp"] as const) {
        const failure = yield* Effect.flip(check(s, kind))
        assert.include(failure.reason, "ECONNREFUSED")
      }
    }))

  it.live("with send_proxy_protocol both kinds start with a PROXY v2 LOCAL header", () =>
    Effect.gen(function*() {
      const silent = yield* silentServer
      const s = server(`127.0.0.1:${silent.port}`, "send_proxy_protocol = true")
      const local = encodeProxyHeaderV2Local()
      yield* check(s, "tcp")
      yield* Effect.sleep("50 millis")
      assert.deepStrictEqual([...Buffer.concat(silent.received)], [...local])
      silent.received.length = 0
      yield* Effect.exit(check(s, "status"))
      const bytes = Buffer.concat(silent.received)
      assert.deepStrictEqual([...bytes.subarray(0, local.length)], [...local])
      assert.isAbove(bytes.length, local.length, "the handshake follows the header")
    }))
})
