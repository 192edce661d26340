/**
 * The status stage over in-memory sockets: the reply and the pong of the client's payload,
 * ProxyPing listeners changing the reply, and a rate-limited ping with nothing at hand.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { answerStatus } from "../../src/connection/StatusStage.ts"
import { EventBus } from "../../src/event/EventBus.ts"
import { NextState } from "../../src/protocol/Handshake.ts"
import { decodeStatusClientbound, encodePingRequest, encodeStatusRequest } from "../../src/protocol/Status.ts"
import { Router } from "../../src/routing/Router.ts"
import { makeInbound } from "../../src/socket/Inbound.ts"
import { handshakeContext } from "../support/Contexts.ts"
import { memoryConnection } from "../support/MemorySocket.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { stageServices } from "./support.ts"

/** Runs the stage for a ping to `host` and returns what the client received, decoded. */
const pingOver = (host: string) =>
  Effect.gen(function*() {
    const conn = memoryConnection()
    conn.client.write(encodeStatusRequest())
    conn.client.write(encodePingRequest(1234567890123n))
    const route = (yield* (yield* Router).resolve(host)).route
    yield* answerStatus(handshakeContext({ host, route, nextState: NextState.Status }), makeInbound(conn.socket))
    // What the connection's scope does when the stage returns.
    conn.socket.destroy()
    yield* Effect.promise(() => conn.ended)
    const received = conn.received()
    const packets: Array<{ _tag: string; json?: string; payload?: bigint }> = []
    for (let at = 0; at < received.length;) {
      const r = decodeStatusClientbound(received, at)
      if (r._tag !== "Done") throw new Error(`undecodable reply at ${at}`)
      packets.push(r.value)
      at = r.offset
    }
    return packets
  })

describe("status stage", () => {
  it.live("the reply, then the pong with the client's payload; a ProxyPing listener changes the reply", () =>
    Effect.gen(function*() {
      const plain = yield* pingOver("nowhere.example.com")
      assert.deepStrictEqual(plain.map((p) => p._tag), ["StatusResponse", "PongResponse"])
      assert.include(plain[0]!.json!, "Unknown server")
      assert.strictEqual(plain[1]!.payload, 1234567890123n)
      yield* (yield* EventBus).listen("ProxyPing", (event, reply) =>
        Effect.succeed({ ...reply, description: { text: `seen ${event.host} at ${event.protocolVersion}` } }), { owner: "test" })
      const changed = yield* pingOver("nowhere.example.com")
      assert.deepStrictEqual(JSON.parse(changed[0]!.json!).description, { text: "seen nowhere.example.com at 765" })
    }).pipe(Effect.provide(stageServices({}))))

  it.live("a ping in an unusual frame (an overlong length prefix) still gets its payload back", () =>
    Effect.gen(function*() {
      const conn = memoryConnection()
      conn.client.write(encodeStatusRequest())
      const ping = encodePingRequest(-42n)
      // The length 9 written in two bytes: legal VarInt, but not the 10-byte frame the pong copies.
      conn.client.write(Uint8Array.of(0x89, 0x00, ...ping.subarray(1)))
      const route = (yield* (yield* Router).resolve("nowhere.example.com")).route
      yield* answerStatus(handshakeContext({ host: "nowhere.example.com", route, nextState: NextState.Status }), makeInbound(conn.socket))
      conn.socket.destroy()
      yield* Effect.promise(() => conn.ended)
      const received = conn.received()
      const first = decodeStatusClientbound(received, 0)
      if (first._tag !== "Done") throw new Error("no status response")
      const pong = decodeStatusClientbound(received, first.offset)
      if (pong._tag !== "Done" || pong.value._tag !== "PongResponse") throw new Error("no pong")
      assert.strictEqual(pong.value.payload, -42n)
    }).pipe(Effect.provide(stageServices({}))))

  it.live("a rate-limited ping with no cached answer is closed without a reply", () =>
    Effect.gen(function*() {
      // The first ping spends the only token (an unknown domain: the proxy's own MOTD answers it).
      const first = yield* pingOver("nowhere.example.com")
      assert.strictEqual(first[0]?._tag, "StatusResponse")
      // Limited, and the server's status is in no cache: answering would cost a backend fetch.
      assert.deepStrictEqual(yield* pingOver("play.example.com"), [])
      // Limited, but the proxy's own MOTD costs nothing: still answered.
      assert.include((yield* pingOver("nowhere.example.com"))[0]?.json, "Unknown server")
    }).pipe(Effect.provide(stageServices({
      global: `[rate_limit]\nstatus_max = 1\nstatus_window = "1h"\n`,
      servers: { "mc.toml": serverToml(["play.example.com"], ["127.0.0.1:1"]) }
    }))))
})
