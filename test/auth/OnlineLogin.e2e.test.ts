/**
 * The online-mode pieces end to end, without the proxy: a hand-written server (this file) logs in
 * real minecraft-protocol clients in online mode. It reads their handshake and Login Start with
 * our decoders, sends OUR Encryption Request with OUR key, checks the response with OUR key
 * exchange, computes OUR server hash and asks OUR SessionServer, which talks to the fake session
 * server the client posted its join to; then it turns on AES-CFB8 (node:crypto) and sends OUR
 * Login Success with the profile's properties. The client must log in and see them. Failures
 * (not joined, session server down or slow, wrong verify token) must come out as values, and
 * the player must see the matching message.
 */
import { assert, layer } from "@effect/vitest"
import { Duration, Effect, Fiber, Result } from "effect"
import { TestClock } from "effect/testing"
import minecraftData from "minecraft-data"
import mc from "minecraft-protocol"
import { generateKeyPairSync } from "node:crypto"
import { completeKeyExchange, encryptionRequestFor, newVerifyToken } from "../../src/auth/KeyExchange.ts"
import { ServerKeyPair } from "../../src/auth/ServerKeyPair.ts"
import { serverHash } from "../../src/auth/ServerHash.ts"
import { type HasJoined, NOT_JOINED_MESSAGE, SessionServer, UNAVAILABLE_MESSAGE } from "../../src/auth/SessionServer.ts"
import { encodeLoginDisconnect } from "../../src/protocol/Disconnect.ts"
import { encodeEncryptionRequest } from "../../src/protocol/EncryptionRequest.ts"
import { decodeEncryptionResponse } from "../../src/protocol/EncryptionResponse.ts"
import { decodeHandshake } from "../../src/protocol/Handshake.ts"
import { decodeLoginAcknowledged } from "../../src/protocol/LoginAcknowledged.ts"
import { decodeLoginStart } from "../../src/protocol/LoginStart.ts"
import { encodeLoginSuccess } from "../../src/protocol/LoginSuccess.ts"
import { PROTOCOL_1_19, PROTOCOL_1_20_2 } from "../../src/protocol/ProtocolVersion.ts"
import { type FakeMode, type FakeSessionServer, fakeTextures, startFakeSessionServer } from "../support/FakeSessionServer.ts"
import { type FrameChannel, listenForFrames } from "../support/FrameChannel.ts"
import { bytesOf } from "../support/RawClient.ts"

const NAME = "Notch"
const ID = "069a79f444e94726a5befca90e38aaf5"
const DASHED_ID = "069a79f4-44e9-4726-a5be-fca90e38aaf5"

interface ClientView {
  readonly success?: { readonly uuid: string; readonly username: string; readonly properties?: unknown; readonly state: string }
  readonly kick?: string
}

interface ClientOptions {
  /** Post the join to the session server first (false: a client that skips it). */
  readonly join?: boolean
  /** Chat-signing keys: 1.19–1.19.2 clients then prove the token with a salt signature. */
  readonly chatKeys?: boolean
}

/** An online-mode minecraft-protocol client whose session lives on the fake; resolves with what it saw. */
const onlineClient = (version: string, port: number, fake: FakeSessionServer, options: ClientOptions = {}): Promise<ClientView> =>
  new Promise((resolve) => {
    const keys = options.chatKeys === true ? generateKeyPairSync("rsa", { modulusLength: 2048 }) : undefined
    const client = mc.createClient({
      host: "127.0.0.1",
      port,
      username: NAME,
      version,
      hideErrors: true,
      validateChannelProtocol: false,
      sessionServer: fake.url,
      auth: (c: Record<string, unknown>, o: Record<string, unknown>) => {
        c["username"] = NAME
        c["session"] = { accessToken: "access-token", selectedProfile: { id: ID, name: NAME } }
        if (keys !== undefined) {
          const expiresOn = new Date(Date.now() + 3_600_000)
          c["profileKeys"] = { private: keys.privateKey, public: keys.publicKey, expiresOn, signature: Buffer.alloc(256, 1), signatureV2: Buffer.alloc(256, 2) }
        }
        o["accessToken"] = "access-token"
        o["haveCredentials"] = options.join !== false
        ;(o["connect"] as (c: unknown) => void)(c)
      }
    } as unknown as mc.ClientOptions)
    const events = client as unknown as { on: (e: string, f: (p: never) => void) => void; state: string }
    let view: ClientView = {}
    events.on("success", (p: { uuid: string; username: string; properties?: unknown }) => {
      view = { success: { uuid: p.uuid, username: p.username, properties: p.properties, state: events.state } }
    })
    events.on("disconnect", (p: { reason: string }) => (view = { kick: (JSON.parse(p.reason) as { text: string }).text }))
    events.on("end", () => resolve(view))
    events.on("error", () => {})
  })

type ServerOutcome = HasJoined | { readonly _tag: "KeyExchangeFailed"; readonly reason: string }

interface ServeOptions {
  /** Verify against another token than the one sent (a client answering the wrong challenge). */
  readonly expectOtherToken?: boolean
  /** Runs after the key exchange, before hasJoined (to switch the fake's behaviour). */
  readonly beforeHasJoined?: Effect.Effect<void>
  /** Runs hasJoined forked and lets the test drive the clock. */
  readonly driveClock?: (answer: Fiber.Fiber<HasJoined>) => Effect.Effect<void>
  /** Told how the client proved it saw the verify token. */
  readonly onProof?: (proof: "VerifyToken" | "SaltSignature") => void
}

/** The server side of one online login, built from our pieces. */
const serveLogin = (channel: FrameChannel, options: ServeOptions = {}) =>
  Effect.gen(function*() {
    const keys = yield* ServerKeyPair
    const sessions = yield* SessionServer
    const handshake = yield* Effect.promise(() => channel.next(decodeHandshake))
    const protocol = handshake.protocolVersion
    const start = yield* Effect.promise(() => channel.next((b, o) => decodeLoginStart(b, o, protocol)))
    const token = newVerifyToken()
    channel.send(bytesOf(encodeEncryptionRequest(encryptionRequestFor(keys, token), protocol)))
    const response = yield* Effect.promise(() => channel.next((b, o) => decodeEncryptionResponse(b, o, protocol)))
    options.onProof?.(response.verification._tag)
    const exchange = completeKeyExchange(keys, response, {
      verifyToken: options.expectOtherToken === true ? newVerifyToken() : token,
      ...(start.signatureData !== undefined ? { playerPublicKey: start.signatureData.publicKey } : {})
    })
    if (Result.isFailure(exchange)) {
      channel.close()
      return { _tag: "KeyExchangeFailed", reason: exchange.failure.reason } as ServerOutcome
    }
    channel.encrypt(exchange.success)
    yield* options.beforeHasJoined ?? Effect.void
    const ask = sessions.hasJoined(start.name, serverHash("", exchange.success, keys.publicKeyDer), "127.0.0.1")
    const answer = options.driveClock === undefined ? yield* ask : yield* Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(ask)
      yield* options.driveClock!(fiber)
      return yield* Fiber.join(fiber)
    })
    if (answer._tag !== "Joined") {
      channel.send(bytesOf(encodeLoginDisconnect(answer.reason)))
      channel.close()
      return answer as ServerOutcome
    }
    const { profile } = answer
    channel.send(bytesOf(encodeLoginSuccess({ uuid: profile.id, username: profile.name, properties: profile.properties }, protocol)))
    if (protocol >= PROTOCOL_1_20_2) yield* Effect.promise(() => channel.next((b, o) => decodeLoginAcknowledged(b, o, protocol)))
    channel.close()
    return answer as ServerOutcome
  })

/** One login: fake session server, our server, a client; both sides' view of it. */
const login = (version: string, client: ClientOptions = {}, serve: (fake: FakeSessionServer) => ServeOptions = () => ({})) =>
  Effect.gen(function*() {
    const fake = yield* Effect.acquireRelease(Effect.promise(startFakeSessionServer), (f) => Effect.promise(f.close))
    const listener = yield* Effect.acquireRelease(Effect.promise(listenForFrames), (l) => Effect.promise(l.close))
    const seen = onlineClient(version, listener.port, fake, client)
    const channel = yield* Effect.promise(listener.accept)
    const outcome = yield* serveLogin(channel, serve(fake)).pipe(
      Effect.provide(SessionServer.layerWith(Effect.succeed({ sessionServer: fake.url, preventProxyConnections: false, timeout: Duration.seconds(5) })))
    )
    return { outcome, client: yield* Effect.promise(() => seen), fake }
  })

const switchFake = (fake: FakeSessionServer, mode: FakeMode) => Effect.promise(() => fake.setMode(mode))

const VERSIONS = ["1.7", "1.8.9", "1.12.2", "1.16.5", "1.19", "1.19.2", "1.20.4", "1.20.6", "1.21.4", "26.1"]

/** Login Success carries properties from 1.19 on; older clients get skins elsewhere. */
const carriesProperties = (version: string): boolean => (minecraftData(version).version.version ?? 0) >= PROTOCOL_1_19

const expectLoggedIn = (version: string, client: ClientView) => {
  const success = client.success ?? assert.fail(`${version}: no Login Success (${JSON.stringify(client)})`)
  assert.deepInclude(success, { uuid: DASHED_ID, username: NAME })
  assert.include(["play", "configuration"], success.state)
  if (carriesProperties(version)) assert.deepStrictEqual(success.properties, [fakeTextures(ID, NAME)])
}

layer(ServerKeyPair.layer)("online-mode login with our pieces", (it) => {
  for (const version of VERSIONS) {
    it.effect(`${version}: the client logs in with the Mojang profile and its properties`, () =>
      Effect.gen(function*() {
        const proofs: Array<string> = []
        const { client, fake, outcome } = yield* login(version, {}, () => ({ onProof: (p) => proofs.push(p) }))
        assert.deepStrictEqual(proofs, ["VerifyToken"])
        assert.strictEqual(outcome._tag, "Joined")
        assert.deepInclude(fake.joins[0], { accessToken: "access-token", selectedProfile: ID })
        expectLoggedIn(version, client)
      }), { timeout: 20_000 })
  }

  for (const version of ["1.19", "1.19.2"]) {
    it.effect(`${version} with chat keys: the salt signature replaces the encrypted token`, () =>
      Effect.gen(function*() {
        const proofs: Array<string> = []
        const { client, outcome } = yield* login(version, { chatKeys: true }, () => ({ onProof: (p) => proofs.push(p) }))
        assert.deepStrictEqual(proofs, ["SaltSignature"])
        assert.strictEqual(outcome._tag, "Joined")
        expectLoggedIn(version, client)
      }), { timeout: 20_000 })
  }

  it.effect("not joined (the client skipped its join): NotJoined(204), and the player is told", () =>
    Effect.gen(function*() {
      const { client, fake, outcome } = yield* login("1.20.4", { join: false })
      assert.deepStrictEqual(fake.joins, [])
      assert.deepInclude(outcome, { _tag: "NotJoined", status: 204 })
      assert.deepStrictEqual(client, { kick: NOT_JOINED_MESSAGE })
    }), { timeout: 20_000 })

  it.effect("session server down: Unavailable, and the player is told", () =>
    Effect.gen(function*() {
      const { client, outcome } = yield* login("1.21.4", {}, (fake) => ({ beforeHasJoined: switchFake(fake, "refuse") }))
      assert.deepInclude(outcome, { _tag: "Unavailable", reason: UNAVAILABLE_MESSAGE })
      assert.match((outcome as { detail: string }).detail, /ECONNREFUSED/)
      assert.deepStrictEqual(client, { kick: UNAVAILABLE_MESSAGE })
    }), { timeout: 20_000 })

  it.effect("session server slow: Unavailable when the timeout elapses", () =>
    Effect.gen(function*() {
      const { client, outcome } = yield* login("1.16.5", {}, (fake) => {
        const arrived = fake.nextRequest("/hasJoined")
        return {
          beforeHasJoined: switchFake(fake, "slow"),
          driveClock: () => Effect.promise(() => arrived).pipe(Effect.andThen(TestClock.adjust("5 seconds")))
        }
      })
      assert.deepInclude(outcome, { _tag: "Unavailable", reason: UNAVAILABLE_MESSAGE, detail: "no answer within 5s" })
      assert.deepStrictEqual(client, { kick: UNAVAILABLE_MESSAGE })
    }), { timeout: 20_000 })

  it.effect("wrong verify token: KeyExchangeFailed, and the client never logs in", () =>
    Effect.gen(function*() {
      const { client, fake, outcome } = yield* login("1.8.9", {}, () => ({ expectOtherToken: true }))
      assert.deepStrictEqual(outcome, { _tag: "KeyExchangeFailed", reason: "TokenMismatch" })
      assert.isUndefined(client.success)
      assert.notInclude(fake.requests.map((r) => r.path), "/session/minecraft/hasJoined")
    }), { timeout: 20_000 })
})
