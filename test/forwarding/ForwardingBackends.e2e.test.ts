/**
 * Our forwarding encoders against backends that expect forwarding (test/support/
 * ForwardingBackends.ts, minecraft-protocol servers written independently of src/forwarding).
 * A small "proxy side" — a minecraft-protocol client — logs in carrying what OUR code builds:
 * the BungeeCord/BungeeGuard handshake address, or the signed Velocity answer written as raw
 * bytes from our Login Plugin Response encoder. The backend must accept it and record exactly
 * the address, UUID, name and properties we forwarded; a wrong token or secret must be kicked.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import minecraftData from "minecraft-data"
import mc from "minecraft-protocol"
import { bungeeCordHost, bungeeGuardHost } from "../../src/forwarding/BungeeCordForwarding.ts"
import type { ForwardedPlayer } from "../../src/forwarding/ForwardedPlayer.ts"
import { encodeVelocityPlayerInfoResponse } from "../../src/forwarding/VelocityForwarding.ts"
import { isProtocolError } from "../../src/protocol/ProtocolError.ts"
import { decodeVarInt } from "../../src/protocol/VarInt.ts"
import { type ForwardingBackend, startBungeeBackend, startVelocityBackend } from "../support/ForwardingBackends.ts"

const player: ForwardedPlayer = {
  address: "203.0.113.7",
  profile: {
    id: "069a79f4-44e9-4726-a5be-fca90e38aaf5",
    name: "Forwarded",
    properties: [
      { name: "textures", value: "eyJ0ZXh0dXJlcyI6e319", signature: "c2lnbmF0dXJl" },
      { name: "unsigned", value: "plain \"quoted\" \u00e9" }
    ]
  }
}

const backend = (start: () => Promise<ForwardingBackend>) =>
  Effect.acquireRelease(Effect.promise(start), (b) => Effect.promise(b.close))

type Outcome = { readonly joined: true; readonly uuid: string; readonly username: string } | { readonly joined: false; readonly kick: string }

/**
 * A client that logs in to the backend; `prepare` may change what it sends. Resolves when it
 * reaches play (with the profile Login Success gave it) or is kicked.
 */
const join = (version: string, port: number, options: { fakeHost?: string; prepare?: (client: mc.Client) => void } = {}): Promise<Outcome> =>
  new Promise((resolve, reject) => {
    const client = mc.createClient({
      host: "127.0.0.1",
      port,
      username: "LoginStartName",
      version,
      auth: "offline",
      hideErrors: true,
      validateChannelProtocol: false,
      ...(options.fakeHost !== undefined ? { fakeHost: options.fakeHost } : {})
    } as mc.ClientOptions)
    options.prepare?.(client)
    const timer = setTimeout(() => {
      client.end("timeout")
      reject(new Error(`${version}: no login and no kick within 8 s`))
    }, 8000)
    let success: { uuid: string; username: string } | undefined
    ;(client as unknown as { on: (e: string, f: (p: { uuid: string; username: string }) => void) => void })
      .on("success", (p) => (success = { uuid: p.uuid, username: p.username }))
    client.on("login", () => {
      clearTimeout(timer)
      client.end("done")
      resolve({ joined: true, ...success! })
    })
    client.on("disconnect", (p: { reason: string }) => {
      clearTimeout(timer)
      resolve({ joined: false, kick: (JSON.parse(p.reason) as { text: string }).text })
    })
  })

const protocolOf = (version: string): number => minecraftData(version).version.version ?? assert.fail(version)

/** The proxy side of Velocity forwarding, answering with our encoder's bytes. */
const answerWithOurEncoder = (version: string, secret: string) => (client: mc.Client) => {
  client.removeAllListeners("login_plugin_request")
  client.on("login_plugin_request", (p: { messageId: number; channel: string; data: Buffer }) => {
    const frame = encodeVelocityPlayerInfoResponse(
      { messageId: p.messageId, channel: p.channel, data: new Uint8Array(p.data) },
      player,
      secret,
      protocolOf(version)
    )
    if (isProtocolError(frame)) throw new Error(frame.message)
    // writeRaw takes `packet id + payload`: our frame without its length prefix.
    const length = decodeVarInt(frame, 0)
    if (length._tag !== "Done") throw new Error("bad frame")
    ;(client as unknown as { writeRaw: (b: Buffer) => void }).writeRaw(Buffer.from(frame.subarray(length.offset)))
  })
}

const { profile } = player
const forwardedProperties = profile.properties

describe("BungeeCord / BungeeGuard backends accept our handshake address", () => {
  for (const version of ["1.8.9", "1.12.2", "1.16.5", "1.20.4", "1.21.4", "26.1"]) {
    it.live(`${version}: BungeeCord legacy`, () =>
      Effect.gen(function*() {
        const b = yield* backend(() => startBungeeBackend(version))
        const outcome = yield* Effect.promise(() => join(version, b.port, { fakeHost: bungeeCordHost("play.example.com", player) }))
        assert.deepStrictEqual(outcome, { joined: true, uuid: profile.id, username: "LoginStartName" })
        assert.deepStrictEqual(b.forwarded, [{ host: "play.example.com", address: player.address, uuid: profile.id, properties: forwardedProperties }])
      }), { timeout: 15_000 })
  }

  it.live("BungeeGuard: the right token joins, a wrong or missing one is kicked", () =>
    Effect.gen(function*() {
      const b = yield* backend(() => startBungeeBackend("1.20.4", { guardToken: "s3cretT0ken9" }))
      const ok = yield* Effect.promise(() => join("1.20.4", b.port, { fakeHost: bungeeGuardHost("mc.example.com", player, "s3cretT0ken9") }))
      assert.deepInclude(ok, { joined: true, uuid: profile.id })
      assert.deepStrictEqual(b.forwarded[0]?.properties, [
        ...forwardedProperties,
        { name: "bungeeguard-token", value: "s3cretT0ken9", signature: "" }
      ])
      const wrong = yield* Effect.promise(() => join("1.20.4", b.port, { fakeHost: bungeeGuardHost("mc.example.com", player, "another") }))
      assert.deepStrictEqual(wrong, { joined: false, kick: "BungeeGuard: invalid token" })
      const missing = yield* Effect.promise(() => join("1.20.4", b.port, { fakeHost: bungeeCordHost("mc.example.com", player) }))
      assert.deepStrictEqual(missing, { joined: false, kick: "BungeeGuard: no token" })
      assert.lengthOf(b.forwarded, 1)
    }), { timeout: 15_000 })

  it.live("a plain handshake (no forwarding) is refused by a BungeeCord backend", () =>
    Effect.gen(function*() {
      const b = yield* backend(() => startBungeeBackend("1.16.5"))
      const outcome = yield* Effect.promise(() => join("1.16.5", b.port))
      assert.isFalse(outcome.joined)
      assert.include((outcome as { kick: string }).kick, "IP forwarding")
    }), { timeout: 15_000 })
})

describe("Velocity backends accept our signed answer", () => {
  const SECRET = "Velocity5ecret"
  const cases = [
    ["1.13.2", 1, 1],
    ["1.16.5", 4, 1], // a pre-1.19.3 client without chat keys gets v1 even when 4 is asked for
    ["1.20.4", 1, 1],
    ["1.20.4", 4, 4],
    ["1.21.4", 4, 4],
    ["26.1", 3, 1] // 1.19.3+ and less than 4 requested: v1, as in Infrarust
  ] as const
  for (const [version, requested, expected] of cases) {
    it.live(`${version}: asked for v${requested}, answered v${expected}`, () =>
      Effect.gen(function*() {
        const b = yield* backend(() => startVelocityBackend(version, { secret: SECRET, requestedVersion: requested }))
        const outcome = yield* Effect.promise(() => join(version, b.port, { prepare: answerWithOurEncoder(version, SECRET) }))
        assert.deepStrictEqual(outcome, { joined: true, uuid: profile.id, username: profile.name })
        assert.deepStrictEqual(b.forwarded, [{ address: player.address, uuid: profile.id, name: profile.name, properties: forwardedProperties, version: expected }])
      }), { timeout: 15_000 })
  }

  it.live("a wrong secret, and a vanilla client's \"not understood\", are kicked", () =>
    Effect.gen(function*() {
      const b = yield* backend(() => startVelocityBackend("1.21.4", { secret: SECRET, requestedVersion: 4 }))
      const wrong = yield* Effect.promise(() => join("1.21.4", b.port, { prepare: answerWithOurEncoder("1.21.4", "not-the-secret") }))
      assert.deepStrictEqual(wrong, { joined: false, kick: "Unable to verify player details." })
      const vanilla = yield* Effect.promise(() => join("1.21.4", b.port))
      assert.deepStrictEqual(vanilla, { joined: false, kick: "This server requires you to connect with Velocity." })
      assert.deepStrictEqual(b.forwarded, [])
    }), { timeout: 15_000 })

  it.live("1.12.2 has no login plugin messages: the backend cannot ask, and we cannot answer", () =>
    Effect.gen(function*() {
      const b = yield* backend(() => startVelocityBackend("1.12.2", { secret: SECRET }))
      const outcome = yield* Effect.promise(() => join("1.12.2", b.port))
      assert.deepStrictEqual(outcome, { joined: false, kick: "Velocity modern forwarding needs 1.13 or newer" })
      const ours = encodeVelocityPlayerInfoResponse({ messageId: 1, channel: "velocity:player_info", data: Uint8Array.of(1) }, player, SECRET, 340)
      assert.isTrue(isProtocolError(ours) && ours.reason === "Unsupported")
    }), { timeout: 15_000 })
})
