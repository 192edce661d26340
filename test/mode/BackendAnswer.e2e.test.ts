/**
 * A backend that fails during the login, in the forwarding modes: it accepts the connection and
 * then hangs, resets, or closes before answering. The player (a real minecraft-protocol client)
 * reads the server's `disconnect_message` instead of sitting on "Logging in…" until its own 30 s
 * timeout; the hang costs `[timeouts] first_byte`, no more.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { loginExpectingKick, reasonText } from "../support/McClients.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const VERSION = "1.20.4"
const MESSAGE = "The backend is down: try again in a minute"

/** A TCP backend that does `onLogin` with the socket once the login bytes arrive. */
const misbehaving = (onLogin: (socket: Net.Socket) => void) =>
  Effect.acquireRelease(
    Effect.promise(() =>
      new Promise<{ server: Net.Server; address: string }>((resolve) => {
        const server = Net.createServer((socket) => {
          socket.on("error", () => {})
          socket.once("data", () => onLogin(socket))
        })
        server.listen(0, "127.0.0.1", () => resolve({ server, address: `127.0.0.1:${(server.address() as Net.AddressInfo).port}` }))
      })
    ),
    ({ server }) => Effect.sync(() => server.close())
  )

describe("a backend that fails before answering the login", () => {
  it.live("hangs, resets or closes: the player reads disconnect_message", () =>
    Effect.gen(function*() {
      const held: Array<Net.Socket> = []
      yield* Effect.addFinalizer(() => Effect.sync(() => held.forEach((s) => s.destroy())))
      const hangs = yield* misbehaving((socket) => held.push(socket))
      const resets = yield* misbehaving((socket) => socket.resetAndDestroy())
      const closes = yield* misbehaving((socket) => socket.end())
      const extra = `disconnect_message = ${JSON.stringify(MESSAGE)}\n[timeouts]\nfirst_byte = "1s"\n`
      const proxy = yield* startProxy({
        servers: {
          "hangs.toml": serverToml(["hangs.test"], [hangs.address], extra),
          "resets.toml": serverToml(["resets.test"], [resets.address], extra),
          "closes.toml": serverToml(["closes.test"], [closes.address], extra)
        }
      })
      for (const host of ["hangs.test", "resets.test", "closes.test"]) {
        const started = Date.now()
        const reason = yield* Effect.promise(() => loginExpectingKick(VERSION, proxy.port, host, "patient", 8000))
        const seconds = (Date.now() - started) / 1000
        assert.strictEqual(reasonText(reason), MESSAGE, host)
        assert.isBelow(seconds, 4, `${host}: kicked after ${seconds} s`)
      }
      assert.isAtLeast(held.length, 1, "the hanging backend got the login")
      const warnings = proxy.logs.filter((l) => l.level === "Warn").map((l) => l.message)
      assert.isTrue(warnings.some((m) => m.includes("sent nothing within 1s before answering the login")), warnings.join("\n"))
      assert.isTrue(warnings.some((m) => /closed the connection|failed \(/.test(m)), warnings.join("\n"))
    }), { timeout: 40_000 })
})
