/**
 * The login stage over in-memory sockets: what refuses a login before any backend is involved
 * (unknown domain, a ban, the server's ip_filter) and what the route's mode handler receives.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { acceptLogin } from "../../src/connection/LoginStage.ts"
import type { ClientLink, LoginStartRead, ModeHandler } from "../../src/mode/ModeHandler.ts"
import { ProxyModes } from "../../src/mode/ProxyModes.ts"
import { isEncodedBytes } from "../../src/protocol/ByteWriter.ts"
import { decodeLoginDisconnect } from "../../src/protocol/Disconnect.ts"
import { NextState } from "../../src/protocol/Handshake.ts"
import { encodeLoginStart } from "../../src/protocol/LoginStart.ts"
import { Router } from "../../src/routing/Router.ts"
import { BanList } from "../../src/security/BanList.ts"
import type { HandshakeContext } from "../../src/session/ConnectionContext.ts"
import { makeInbound } from "../../src/socket/Inbound.ts"
import { handshakeContext } from "../support/Contexts.ts"
import { memoryConnection } from "../support/MemorySocket.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { stageServices } from "./support.ts"

const UUID = "6c9c0d6d-8f07-4d1a-9a3b-2f1f1e9b8a01"

/** Runs the stage for `name` logging in to `host`; the kick text the client got, if any. */
const loginOver = (host: string, name: string) =>
  Effect.gen(function*() {
    const conn = memoryConnection()
    const start = encodeLoginStart({ name, uuid: UUID }, 765)
    if (!isEncodedBytes(start)) throw new Error("login start")
    conn.client.write(start)
    const route = (yield* (yield* Router).resolve(host)).route
    yield* acceptLogin(handshakeContext({ host, route, nextState: NextState.Login }), { socket: conn.socket, inbound: makeInbound(conn.socket) }, Effect.void)
    const received = conn.received()
    if (received.length === 0) return undefined
    const kick = decodeLoginDisconnect(received, 0)
    if (kick._tag !== "Done") throw new Error("not a login disconnect")
    return (JSON.parse(kick.value.json) as { text: string }).text
  })

/** The mode seam, recording what each login hands it. */
const recordingModes = (calls: Array<{ ctx: HandshakeContext; client: ClientLink; start: LoginStartRead }>) =>
  Layer.succeed(ProxyModes, ProxyModes.of({
    handlerFor: (): ModeHandler => ({
      family: "forwarding",
      login: (ctx, client, start) => Effect.sync(() => void calls.push({ ctx, client, start }))
    })
  }))

const servers = {
  "mc.toml": serverToml(["play.example.com"], ["127.0.0.1:1"]),
  "closed.toml": serverToml(["closed.example.com"], ["127.0.0.1:1"], `[ip_filter]\nwhitelist = ["10.0.0.0/8"]`)
}

describe("login stage", () => {
  it.live("unknown domains, bans and the server's ip_filter are refused with a kick the player reads", () =>
    Effect.gen(function*() {
      assert.strictEqual(yield* loginOver("nowhere.example.com", "alex"), "Unknown server: nowhere.example.com")
      assert.strictEqual(yield* loginOver("closed.example.com", "alex"), "IP 127.0.0.1 is not allowed on this server")
      yield* (yield* BanList).add({ target: { type: "username", value: "Griefer" }, reason: "griefing" })
      assert.strictEqual(yield* loginOver("play.example.com", "griefer"), "griefing\n\nThis ban is permanent.")
    }).pipe(Effect.provide(recordingModes([])), Effect.provide(stageServices({ servers }))))

  it.live("an admitted login reaches the mode handler of its route with the context and the decoded login start", () => {
    const calls: Array<{ ctx: HandshakeContext; client: ClientLink; start: LoginStartRead }> = []
    return Effect.gen(function*() {
      assert.isUndefined(yield* loginOver("play.example.com", "alex"))
      assert.strictEqual(calls.length, 1)
      const [call] = calls
      assert.strictEqual(call!.ctx.route?.entry.id, "mc")
      assert.strictEqual(call!.start.loginStart.name, "alex")
      assert.strictEqual(call!.start.loginStart.uuid, UUID)
      assert.deepStrictEqual(call!.client.inbound.pending.length, 0, "the login start was consumed")
    }).pipe(Effect.provide(recordingModes(calls)), Effect.provide(stageServices({ servers })))
  })
})
