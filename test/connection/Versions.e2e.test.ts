/**
 * The proxy between real minecraft-protocol clients and servers, offline mode, for every
 * version from 1.7 to the newest the library supports: status ping, login with compression,
 * keep-alives and chat both ways, routed by domain.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { loginAndChat, ping } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const VERSIONS = ["1.7", "1.8.9", "1.12.2", "1.16.5", "1.20.4", "1.21.4", "26.1"] as const

describe("minecraft versions through the proxy", () => {
  for (const version of VERSIONS) {
    it.live(`${version}: status ping, login, keep-alives and chat`, () =>
      Effect.gen(function*() {
        const backend = yield* mcServer(version, { motd: `hello ${version}` })
        const proxy = yield* startProxy({
          servers: { "mc.toml": serverToml(["play.example.com"], [backend.address]) }
        })
        const status = yield* Effect.promise(() => ping(version, proxy.port, "play.example.com"))
        assert.include(JSON.stringify(status["description"]), `hello ${version}`)

        const session = yield* Effect.promise(() => loginAndChat(version, proxy.port, "play.example.com", "tester"))
        assert.isTrue(session.echoed)
        assert.isAtLeast(session.keepAlivesReceived, 2)
        assert.deepStrictEqual(backend.chats, ["hello-from-client"])
        assert.isAtLeast(backend.keepAlivesAnswered(), 2)
        // The backend saw the client's own handshake host.
        assert.include(backend.hosts, "play.example.com")
      }), { timeout: 30_000 })
  }
})

describe("zero_copy route", () => {
  it.live("a real session through the splice relay, with its session-end log", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer("1.21.4")
      const proxy = yield* startProxy({
        servers: {
          "mc.toml": serverToml(["zc.example.com"], [backend.address], `proxy_mode = "zero_copy"`)
        }
      })
      const session = yield* Effect.promise(() => loginAndChat("1.21.4", proxy.port, "zc.example.com", "spliced"))
      assert.isTrue(session.echoed)
      yield* Effect.sleep("300 millis")
      const ended = proxy.logs.find((l) => l.message.startsWith("session ended"))
      assert.isDefined(ended)
      assert.match(ended!.message, /c2b=[1-9]\d* b2c=[1-9]\d* .*reason=client_closed/)
      assert.isFalse(proxy.logs.some((l) => l.message.includes("userspace relay")))
    }), { timeout: 20_000 })
})
