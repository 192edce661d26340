/**
 * Player-info forwarding through the proxy, against backends that expect it
 * (test/support/ForwardingBackends.ts, written independently of src/forwarding): the backend sees
 * the player's real address (the client connects from 127.0.0.2), UUID and name; a wrong secret
 * or token is refused by the backend and the player reads why; Velocity on a raw relay stops
 * start-up with a message that names the server.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { offlineUuid } from "../../src/auth/OfflineUuid.ts"
import { startBungeeBackend, startVelocityBackend } from "../support/ForwardingBackends.ts"
import { joinAndStay, loginExpectingKick, reasonText } from "../support/McClients.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { fakeSessions, NOTCH } from "../mode/intercepted/support.ts"

const SECRET = "s3cret-for-tests"
const FROM = { localAddress: "127.0.0.2" }

const backend = <B extends { readonly close: () => Promise<void> }>(start: () => Promise<B>) =>
  Effect.acquireRelease(Effect.promise(start), (b) => Effect.promise(() => b.close()))

describe("player-info forwarding through the proxy", () => {
  for (const requested of [1, 4]) {
    it.live(`Velocity v${requested} requested, offline mode on 1.20.4: address, offline UUID and name reach the backend on the first connection`, () =>
      Effect.gen(function*() {
        const shim = yield* backend(() => startVelocityBackend("1.20.4", { secret: SECRET, requestedVersion: requested }))
        const proxy = yield* velocityProxy("offline", `127.0.0.1:${shim.port}`, SECRET)
        const player = yield* Effect.promise(() => joinAndStay("1.20.4", proxy.port, "play.example.com", "Alex", FROM))
        player.leave()
        assert.strictEqual(shim.forwarded.length, 1)
        const f = shim.forwarded[0]!
        assert.strictEqual(f.address, "127.0.0.2")
        assert.strictEqual(f.name, "Alex")
        assert.strictEqual(f.uuid, offlineUuid("Alex"))
        assert.strictEqual(f.version, requested === 4 ? 4 : 1)
      }), { timeout: 30_000 })
  }

  it.live("Velocity, client_only on 1.21.4: the Mojang UUID, name and textures reach the backend", () =>
    Effect.gen(function*() {
      const fake = yield* fakeSessions
      const shim = yield* backend(() => startVelocityBackend("1.21.4", { secret: SECRET, requestedVersion: 4 }))
      const proxy = yield* velocityProxy("client_only", `127.0.0.1:${shim.port}`, SECRET, `[auth]\nsession_server = "${fake.url}"\n`)
      const player = yield* Effect.promise(() => joinAndStay("1.21.4", proxy.port, "play.example.com", NOTCH.name, { ...FROM, online: { sessionServer: fake.url, id: NOTCH.id } }))
      player.leave()
      const f = shim.forwarded[0]!
      assert.deepStrictEqual([f.address, f.name, f.uuid], ["127.0.0.2", NOTCH.name, NOTCH.id])
      assert.include(f.properties.map((p) => p.name), "textures")
    }), { timeout: 30_000 })

  it.live("Velocity with a secret the backend does not share: the backend refuses and the player reads its reason", () =>
    Effect.gen(function*() {
      const shim = yield* backend(() => startVelocityBackend("1.20.4", { secret: "the-backend-secret" }))
      const proxy = yield* velocityProxy("offline", `127.0.0.1:${shim.port}`, SECRET)
      const kick = yield* Effect.promise(() => loginExpectingKick("1.20.4", proxy.port, "play.example.com", "Alex"))
      assert.strictEqual(reasonText(kick), shim.kicks[0])
      assert.strictEqual(shim.forwarded.length, 0)
    }), { timeout: 30_000 })

  it.live("BungeeCord in passthrough: the backend reads the real address and the UUID from the handshake", () =>
    Effect.gen(function*() {
      const shim = yield* backend(() => startBungeeBackend("1.20.4"))
      const proxy = yield* startProxy({
        global: `[forwarding]\nmode = "bungeecord"\n`,
        servers: { "mc.toml": serverToml(["play.example.com"], [`127.0.0.1:${shim.port}`], `proxy_mode = "passthrough"`) }
      })
      const player = yield* Effect.promise(() => joinAndStay("1.20.4", proxy.port, "play.example.com", "Steve", FROM))
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("relayed")))
      player.leave()
      const f = shim.forwarded[0]!
      assert.deepStrictEqual([f.host, f.address, f.uuid], ["play.example.com", "127.0.0.2", player.success!.uuid])
      assert.isTrue(proxy.logs.some((l) => l.level === "Warn" && l.message.startsWith("[forwarding] mode \"bungee_cord\" is insecure")))
    }), { timeout: 30_000 })

  it.live("BungeeGuard in offline mode: the token is accepted; the wrong token is refused with the backend's reason", () =>
    Effect.gen(function*() {
      const good = yield* backend(() => startBungeeBackend("1.20.4", { guardToken: SECRET }))
      const bad = yield* backend(() => startBungeeBackend("1.20.4", { guardToken: "another-token" }))
      const proxy = yield* startProxy({
        global: (dir) => `[forwarding]\nmode = "bungeeguard"\nsecret_file = ${JSON.stringify(join(dir, "forwarding.secret"))}\n`,
        files: { "forwarding.secret": SECRET },
        servers: {
          "good.toml": serverToml(["good.example.com"], [`127.0.0.1:${good.port}`], `proxy_mode = "offline"`),
          "bad.toml": serverToml(["bad.example.com"], [`127.0.0.1:${bad.port}`], `proxy_mode = "offline"`)
        }
      })
      const player = yield* Effect.promise(() => joinAndStay("1.20.4", proxy.port, "good.example.com", "Steve", FROM))
      player.leave()
      assert.deepStrictEqual([good.forwarded[0]!.address, good.forwarded[0]!.uuid], ["127.0.0.2", offlineUuid("Steve")])
      assert.strictEqual(reasonText(yield* Effect.promise(() => loginExpectingKick("1.20.4", proxy.port, "bad.example.com", "Steve"))), bad.kicks[0])
    }), { timeout: 30_000 })

  it.live("Velocity forwarding on a passthrough server stops start-up with a message naming the server", () =>
    Effect.gen(function*() {
      const error = yield* startProxy({
        global: (dir) => `[forwarding]\nmode = "velocity"\nsecret_file = ${JSON.stringify(join(dir, "forwarding.secret"))}\n`,
        files: { "forwarding.secret": SECRET },
        servers: { "relay.toml": serverToml(["relay.example.com"], ["127.0.0.1:1"], `proxy_mode = "passthrough"`) }
      }).pipe(Effect.scoped, Effect.flip)
      assert.match((error as Error).message, /server 'relay' \(relay\.toml\) uses Velocity forwarding with proxy_mode "passthrough": a raw relay cannot answer/)
      assert.strictEqual((error as { _tag: string })._tag, "ConfigError")
    }), { timeout: 30_000 })
})

/** A proxy in Velocity mode whose secret file holds `secret`. */
const velocityProxy = (mode: string, address: string, secret: string, extra = "") =>
  startProxy({
    global: (dir) => `${extra}[forwarding]\nmode = "velocity"\nsecret_file = ${JSON.stringify(join(dir, "forwarding.secret"))}\n`,
    files: { "forwarding.secret": secret },
    servers: { "mc.toml": serverToml(["play.example.com"], [address], `proxy_mode = "${mode}"`) }
  })
