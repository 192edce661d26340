/**
 * SessionServer.hasJoined against a real HTTP server on loopback (the fake Mojang session
 * server, and for the size bound a one-off server): every kind of answer comes back as its
 * tagged value, and a slow server is cut off by the configured timeout (driven by the TestClock).
 */
import { assert, describe, it } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import { Duration, Effect, Fiber, FileSystem, Layer } from "effect"
import { TestClock } from "effect/testing"
import * as Http from "node:http"
import type * as Net from "node:net"
import * as NodePath from "node:path"
import {
  hasJoinedUrl,
  MAX_PROFILE_RESPONSE_BYTES,
  NOT_JOINED_MESSAGE,
  SessionServer,
  UNAVAILABLE_MESSAGE
} from "../../src/auth/SessionServer.ts"
import type { AuthConfig } from "../../src/config/GlobalTables.ts"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { type FakeSessionServer, fakeTextures, startFakeSessionServer } from "../support/FakeSessionServer.ts"
import { captureLogs } from "../support/LogCapture.ts"

const fakeServer = Effect.acquireRelease(Effect.promise(startFakeSessionServer), (f) => Effect.promise(f.close))

const settings = (sessionServer: string, overrides: Partial<AuthConfig> = {}): AuthConfig => ({
  sessionServer,
  preventProxyConnections: false,
  timeout: Duration.seconds(5),
  ...overrides
})

/** hasJoined with a SessionServer built for `config`. */
const ask = (config: AuthConfig, username: string, serverHash: string, ip?: string) =>
  SessionServer.use((s) => s.hasJoined(username, serverHash, ip)).pipe(
    Effect.provide(SessionServer.layerWith(Effect.succeed(config)))
  )

/** The client half of an online login: what minecraft-protocol posts before answering us. */
const postJoin = (fake: FakeSessionServer, selectedProfile: string, serverId: string) =>
  Effect.promise(() =>
    fetch(`${fake.url}/session/minecraft/join`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ accessToken: "token", selectedProfile, serverId })
    })
  )

const ID = "069a79f444e94726a5befca90e38aaf5"

describe("SessionServer.hasJoined", () => {
  it.effect("Joined: the profile with a canonical UUID and the signed textures", () =>
    Effect.gen(function*() {
      const fake = yield* fakeServer
      yield* postJoin(fake, ID, "-1a2b")
      const answer = yield* ask(settings(fake.url), "Notch", "-1a2b")
      assert.deepStrictEqual(answer, {
        _tag: "Joined",
        profile: { id: "069a79f4-44e9-4726-a5be-fca90e38aaf5", name: "Notch", properties: [fakeTextures(ID, "Notch")] }
      } as unknown as typeof answer)
      assert.deepStrictEqual(fake.requests.at(-1)?.query, { username: "Notch", serverId: "-1a2b" })
    }))

  it.effect("NotJoined on 204 (no join with that hash) and on other 4xx", () =>
    Effect.gen(function*() {
      const fake = yield* fakeServer
      yield* postJoin(fake, ID, "abc")
      const answer = yield* ask(settings(fake.url), "Notch", "abd")
      assert.deepInclude(answer, { _tag: "NotJoined", status: 204, reason: NOT_JOINED_MESSAGE })
      // The fake has no such path: 404 is "not joined" too (vanilla treats any non-success so).
      const wrongPath = yield* ask(settings(`${fake.url}/elsewhere`), "Notch", "abc")
      assert.deepInclude(wrongPath, { _tag: "NotJoined", status: 404 })
    }))

  it.effect("sends ip= only with prevent_proxy_connections, and the session server checks it", () =>
    Effect.gen(function*() {
      const fake = yield* fakeServer
      yield* postJoin(fake, ID, "h1")
      assert.strictEqual((yield* ask(settings(fake.url), "Notch", "h1", "203.0.113.9"))._tag, "Joined")
      assert.notProperty(fake.requests.at(-1)?.query, "ip")
      const strict = settings(fake.url, { preventProxyConnections: true })
      assert.strictEqual((yield* ask(strict, "Notch", "h1", "127.0.0.1"))._tag, "Joined")
      assert.strictEqual(fake.requests.at(-1)?.query["ip"], "127.0.0.1")
      assert.strictEqual((yield* ask(strict, "Notch", "h1", "203.0.113.9"))._tag, "NotJoined")
    }))

  it.effect("Unavailable on 500, on a body that is not a profile, and when connections are refused", () =>
    Effect.gen(function*() {
      const fake = yield* fakeServer
      yield* postJoin(fake, ID, "h")
      yield* Effect.promise(() => fake.setMode("error"))
      assert.deepInclude(yield* ask(settings(fake.url), "Notch", "h"), { _tag: "Unavailable", reason: UNAVAILABLE_MESSAGE, detail: "HTTP 500" })
      yield* Effect.promise(() => fake.setMode("garbage"))
      const garbage = yield* ask(settings(fake.url), "Notch", "h")
      assert.strictEqual(garbage._tag, "Unavailable")
      assert.include((garbage as { detail: string }).detail, "not a profile")
      yield* Effect.promise(() => fake.setMode("refuse"))
      const refused = yield* ask(settings(fake.url), "Notch", "h")
      assert.strictEqual(refused._tag, "Unavailable")
      assert.match((refused as { detail: string }).detail, /ECONNREFUSED|connect/i)
      // The fake can come back on the same port.
      yield* Effect.promise(() => fake.setMode("normal"))
      assert.strictEqual((yield* ask(settings(fake.url), "Notch", "h"))._tag, "Joined")
    }))

  it.effect("Unavailable once the timeout elapses on a server that does not answer", () =>
    Effect.gen(function*() {
      const fake = yield* fakeServer
      yield* postJoin(fake, ID, "slow")
      yield* Effect.promise(() => fake.setMode("slow"))
      const arrived = fake.nextRequest("/hasJoined")
      const fiber = yield* Effect.forkChild(ask(settings(fake.url, { timeout: Duration.seconds(3) }), "Notch", "slow"))
      yield* Effect.promise(() => arrived)
      yield* TestClock.adjust("2999 millis")
      assert.isUndefined(fiber.pollUnsafe())
      yield* TestClock.adjust("1 millis")
      const answer = yield* Fiber.join(fiber)
      assert.deepInclude(answer, { _tag: "Unavailable", reason: UNAVAILABLE_MESSAGE, detail: "no answer within 3s" })
    }))

  it.effect("Unavailable for an answer over the size bound or a profile id that is not a UUID", () =>
    Effect.gen(function*() {
      let body = ""
      const server = yield* Effect.acquireRelease(
        Effect.callback<Http.Server>((resume) => {
          const s = Http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(body))
          s.listen(0, "127.0.0.1", () => resume(Effect.succeed(s)))
        }),
        (s) => Effect.callback<void>((resume) => void s.close(() => resume(Effect.void)))
      )
      const url = `http://127.0.0.1:${(server.address() as Net.AddressInfo).port}`
      body = JSON.stringify({ id: ID, name: "Notch", properties: [{ name: "pad", value: "x".repeat(MAX_PROFILE_RESPONSE_BYTES) }] })
      const big = yield* ask(settings(url), "Notch", "h")
      assert.include((big as { detail: string }).detail, "larger than")
      body = JSON.stringify({ id: "not-a-uuid", name: "Notch", properties: [] })
      assert.include(((yield* ask(settings(url), "Notch", "h")) as { detail: string }).detail, "is not a UUID")
      body = JSON.stringify({ id: ID, name: "Notch" })
      assert.deepInclude(yield* ask(settings(url), "Notch", "h"), { _tag: "Joined" })
    }))

  it.live("SessionServer.layer reads [auth] from the live infrarust.toml at each call", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const fake = yield* fakeServer
      yield* postJoin(fake, ID, "live")
      const fs = yield* FileSystem.FileSystem
      const path = NodePath.join(yield* fs.makeTempDirectoryScoped(), "infrarust.toml")
      yield* fs.writeFileString(path, `[auth]\nsession_server = "${fake.url}"\n`)
      yield* Effect.gen(function*() {
        const sessions = yield* SessionServer
        assert.strictEqual((yield* sessions.hasJoined("Notch", "live", "127.0.0.1"))._tag, "Joined")
        assert.notProperty(fake.requests.at(-1)?.query, "ip")
        yield* fs.writeFileString(path, `[auth]\nsession_server = "${fake.url}"\nprevent_proxy_connections = true\n`)
        assert.isTrue(yield* (yield* ProxyConfigStore).reload)
        assert.strictEqual((yield* sessions.hasJoined("Notch", "live", "127.0.0.1"))._tag, "Joined")
        assert.strictEqual(fake.requests.at(-1)?.query["ip"], "127.0.0.1")
      }).pipe(Effect.provide(SessionServer.layer.pipe(Layer.provideMerge(ProxyConfigStore.layer(path)))))
      assert.isTrue(logs.lines.some((l) => l.message.endsWith("infrarust.toml: configuration reloaded (applied: [auth])")))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it("appends the path to the configured base, keeping its prefix", () => {
    assert.strictEqual(hasJoinedUrl("https://sessionserver.mojang.com"), "https://sessionserver.mojang.com/session/minecraft/hasJoined")
    assert.strictEqual(hasJoinedUrl("http://127.0.0.1:9/base/"), "http://127.0.0.1:9/base/session/minecraft/hasJoined")
  })
})

