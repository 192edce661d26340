/**
 * A backend that fails during the login, in the forwarding modes: it accepts the connection and
 * then hangs, resets, or closes before answering. The player (a real minecraft-protocol client)
 * reads the server's `disconnect_message` instead of sitting on "Logging in…" until its own 30 s
 * timeout; the hang costs `[timeouts] first_byte`, no more.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { loginExpectingKick, loginOutcome, reasonText } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
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

  it.live("first_byte = \"0s\" turns the wait off: the session starts at once, before the backend says anything", () =>
    Effect.gen(function*() {
      const held: Array<Net.Socket> = []
      yield* Effect.addFinalizer(() => Effect.sync(() => held.forEach((s) => s.destroy())))
      const hangs = yield* misbehaving((socket) => held.push(socket))
      const proxy = yield* startProxy({ servers: { "hangs.toml": serverToml(["hangs.test"], [hangs.address], `[timeouts]\nfirst_byte = "0s"\n`) } })
      const client = Net.connect(proxy.port, "127.0.0.1")
      yield* Effect.addFinalizer(() => Effect.sync(() => client.destroy()))
      // A handshake for hangs.test (protocol 765, next state 2) and a Login Start, raw.
      const host = Buffer.from("hangs.test")
      const handshake = Buffer.concat([Buffer.from([0x00, 0xfd, 0x05, host.length]), host, Buffer.from([0x63, 0xdd, 0x02])])
      const name = Buffer.from("quick")
      const start = Buffer.concat([Buffer.from([0x00, name.length]), name, Buffer.alloc(16)])
      client.write(Buffer.concat([Buffer.from([handshake.length]), handshake, Buffer.from([start.length]), start]))
      yield* Effect.promise(() => new Promise<void>((resolve) => {
        const check = () => (proxy.logs.some((l) => l.message.includes("session started")) ? resolve() : setTimeout(check, 20))
        check()
      }))
      assert.isFalse(proxy.logs.some((l) => l.message.includes("before answering the login")))
    }), { timeout: 20_000 })

  it.live("first_byte = \"0s\" with worker threads: a backend's answer that comes before the relay takes over reaches the player", () =>
    Effect.gen(function*() {
      // A real backend answers a login at once; with workers the session's registration is a
      // round trip to the coordinator, so the answer usually arrives before the relay starts.
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: "worker_threads = 2\n",
        servers: { "quick.toml": serverToml(["quick.test"], [backend.address], `[timeouts]\nfirst_byte = "0s"\n`) }
      })
      for (let i = 0; i < 3; i++) {
        assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, "quick.test", "prompt")), "joined")
      }
    }), { timeout: 60_000 })
})
