/**
 * One version through an intercepted mode with real minecraft-protocol peers: a status ping, a
 * login (the player's leg compressed at the backend's threshold from 1.8 on), keep-alives and
 * chat both ways, and for client_only the player's Mojang profile (with its textures property,
 * from 1.19 on, when Login Success carries properties).
 */
import { assert } from "@effect/vitest"
import { Effect } from "effect"
import { startFakeSessionServer } from "../../support/FakeSessionServer.ts"
import { joinAndStay, ping } from "../../support/McClients.ts"
import { mcServer } from "../../support/McPeers.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"
import mcData from "minecraft-data"

export const VERSIONS: ReadonlyArray<string> = (await import("minecraft-protocol")).default.supportedVersions
/** A Mojang account the fake session server vouches for. */
export const NOTCH = { name: "Notch", id: "069a79f4-44e9-4726-a5be-fca90e38aaf5" }

const protocolOf = (version: string): number => mcData(version).version.version ?? 0

export const fakeSessions = Effect.acquireRelease(Effect.promise(() => startFakeSessionServer()), (f) => Effect.promise(() => f.close()))

export const sessionThrough = (mode: "offline" | "client_only", version: string) =>
  Effect.gen(function*() {
    const fake = yield* fakeSessions
    const backend = yield* mcServer(version, { motd: `hello ${version}` })
    const proxy = yield* startProxy({
      global: `[auth]\nsession_server = "${fake.url}"\n`,
      servers: { "mc.toml": serverToml(["play.example.com"], [backend.address], `proxy_mode = "${mode}"`) }
    })
    const status = yield* Effect.promise(() => ping(version, proxy.port, "play.example.com"))
    assert.include(JSON.stringify(status["description"]), `hello ${version}`)

    const online = mode === "client_only" ? { online: { sessionServer: fake.url, id: NOTCH.id } } : {}
    const player = yield* Effect.promise(() => joinAndStay(version, proxy.port, "play.example.com", NOTCH.name, online))
    yield* Effect.addFinalizer(() => Effect.sync(() => player.leave()))
    const protocol = protocolOf(version)
    // Both legs compressed at the backend's threshold (256) from 1.8; 1.7 has no compression.
    assert.strictEqual((player.client as unknown as { compressionThreshold: number }).compressionThreshold, protocol >= 47 ? 256 : -2, "the player's leg")
    yield* Effect.promise(() => new Promise<void>((resolve) => {
      const tick = () => (player.keepAlives() >= 2 ? resolve() : setTimeout(tick, 50))
      tick()
    })).pipe(Effect.timeout("8 seconds"))
    assert.isTrue(yield* Effect.promise(() => player.chatEchoed("hello-from-client")), "chat both ways")
    assert.deepStrictEqual(backend.chats, ["hello-from-client"])
    assert.isAtLeast(backend.keepAlivesAnswered(), 2)
    if (mode === "client_only") {
      assert.strictEqual(player.success?.uuid.replaceAll("-", ""), NOTCH.id.replaceAll("-", ""), "the player's Mojang UUID")
      if (protocol >= 759) assert.include(player.success?.properties?.map((p) => p.name) ?? [], "textures")
      assert.isTrue(fake.requests.some((r) => r.path.endsWith("/hasJoined") && r.query["username"] === NOTCH.name))
    }
    return { proxy, backend, player }
  })
