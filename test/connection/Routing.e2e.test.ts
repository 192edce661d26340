/**
 * What players see at the edges of routing, with real clients: Forge-marked and SRV-style
 * hosts route, unknown domains get the default MOTD and a readable kick, a dead backend gets
 * `disconnect_message`, and a second address takes over when the first refuses.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { loginAndChat, loginExpectingKick, ping } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { freePort } from "../support/Ports.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const VERSION = "1.20.4"

const backend = mcServer(VERSION, { motd: "routed" })

/** A port with nothing listening. */
const deadPort = Effect.promise(freePort)

describe("routing with real clients", () => {
  it.live("a Forge (FML3) host and a trailing-dot host reach their server; the backend sees the original bytes", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const proxy = yield* startProxy({ servers: { "mc.toml": serverToml(["mc.example.com"], [mc.address]) } })
      const forge = yield* Effect.promise(() =>
        loginAndChat(VERSION, proxy.port, "mc.example.com\0FML3\0", "forgeplayer")
      )
      assert.isTrue(forge.echoed)
      const srv = yield* Effect.promise(() => loginAndChat(VERSION, proxy.port, "MC.Example.com.", "srvplayer"))
      assert.isTrue(srv.echoed)
      assert.include(mc.hosts, "mc.example.com\0FML3\0")
      assert.include(mc.hosts, "MC.Example.com.")
    }), { timeout: 20_000 })

  it.live("an unknown domain gets the default MOTD and a login disconnect naming it", () =>
    Effect.gen(function*() {
      const proxy = yield* startProxy({
        global: `[default_motd.online]\ntext = "§6Welcome to the network"\n`,
        servers: { "mc.toml": serverToml(["mc.example.com"], ["127.0.0.1:1"]) }
      })
      const status = yield* Effect.promise(() => ping(VERSION, proxy.port, "nope.example.com"))
      assert.include(JSON.stringify(status["description"]), "Welcome to the network")
      // The reply claims the client's own protocol, so the list shows no "incompatible version".
      assert.strictEqual((status["version"] as { protocol: number }).protocol, 765)
      const reason = yield* Effect.promise(() => loginExpectingKick(VERSION, proxy.port, "nope.example.com"))
      assert.include(reason, "Unknown server: nope.example.com")
    }), { timeout: 20_000 })

  it.live("a dead backend: the status shows the unreachable MOTD and the login gets disconnect_message", () =>
    Effect.gen(function*() {
      const port = yield* deadPort
      const proxy = yield* startProxy({
        servers: {
          "down.toml": serverToml(
            ["down.example.com"],
            [`127.0.0.1:${port}`],
            `disconnect_message = "Down for maintenance"\n[motd.unreachable]\ntext = "§cMaintenance"`
          )
        }
      })
      const status = yield* Effect.promise(() => ping(VERSION, proxy.port, "down.example.com"))
      assert.include(JSON.stringify(status["description"]), "Maintenance")
      const reason = yield* Effect.promise(() => loginExpectingKick(VERSION, proxy.port, "down.example.com"))
      assert.include(reason, "Down for maintenance")
      assert.isTrue(proxy.logs.some((l) => l.level === "Warn" && l.message.includes("no backend of 'down' is reachable")))
    }), { timeout: 20_000 })

  it.live("the second address takes over when the first refuses", () =>
    Effect.gen(function*() {
      const port = yield* deadPort
      const mc = yield* backend
      const proxy = yield* startProxy({
        servers: { "mc.toml": serverToml(["mc.example.com"], [`127.0.0.1:${port}`, mc.address]) }
      })
      const session = yield* Effect.promise(() => loginAndChat(VERSION, proxy.port, "mc.example.com", "failover"))
      assert.isTrue(session.echoed)
      assert.isTrue(proxy.logs.some((l) => l.message.includes(`backend 127.0.0.1:${port} of 'mc' failed`)))
    }), { timeout: 20_000 })
})
