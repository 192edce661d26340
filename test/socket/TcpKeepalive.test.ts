import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect } from "effect"
import * as Net from "node:net"
import { dial } from "../../src/backend/BackendDialer.ts"
import { applyKeepalive, readKeepalive } from "../../src/socket/TcpKeepalive.ts"

const server = Effect.acquireRelease(
  Effect.callback<Net.Server>((resume) => {
    const s = Net.createServer((c) => c.resume())
    s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
  }),
  (s) => Effect.sync(() => s.close())
)

describe("TCP keepalive", () => {
  it.live("applies time, interval and retries exactly on Linux", () =>
    Effect.gen(function*() {
      const s = yield* server
      const socket = yield* Effect.callback<Net.Socket>((resume) => {
        const c = Net.connect((s.address() as Net.AddressInfo).port, "127.0.0.1", () => resume(Effect.succeed(c)))
      })
      yield* Effect.addFinalizer(() => Effect.sync(() => socket.destroy()))
      // Node alone: only the idle time is ours; libuv picks interval and count.
      socket.setKeepAlive(true, 45_000)
      const nodeOnly = readKeepalive(socket)
      assert.strictEqual(nodeOnly?.idleSec, 45)
      assert.strictEqual(applyKeepalive(socket, { idleMs: 30_000, intervalMs: 10_000, retries: 3 }), "all")
      assert.deepStrictEqual(readKeepalive(socket), { enabled: true, idleSec: 30, intervalSec: 10, count: 3 })
    }))

  it.live("backend sockets get the configured keepalive", () =>
    Effect.gen(function*() {
      const s = yield* server
      const port = (s.address() as Net.AddressInfo).port
      const link = yield* dial({
        host: "127.0.0.1",
        port,
        address: `127.0.0.1:${port}`,
        connectTimeout: Duration.seconds(2),
        keepalive: { idleMs: 20_000, intervalMs: 5_000, retries: 4 }
      })
      assert.deepStrictEqual(readKeepalive(link.socket), { enabled: true, idleSec: 20, intervalSec: 5, count: 4 })
    }))
})
