/**
 * The early stages over in-memory sockets: what the one connection context holds after a
 * handshake, PROXY protocol trust, a banned address, a pre-1.7 ping, garbage and a stall.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Result, SubscriptionRef } from "effect"
import { readFileSync } from "node:fs"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { arrive } from "../../src/connection/Arrival.ts"
import { isEncodedBytes } from "../../src/protocol/ByteWriter.ts"
import { encodeHandshake, NextState } from "../../src/protocol/Handshake.ts"
import { encodeLoginStart } from "../../src/protocol/LoginStart.ts"
import { parseIp } from "../../src/address/IpAddress.ts"
import { encodeProxyHeaderV2 } from "../../src/proxy-protocol/ProxyHeader.ts"
import { BanList } from "../../src/security/BanList.ts"
import { makeInbound } from "../../src/socket/Inbound.ts"
import { memoryConnection } from "../support/MemorySocket.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { stageServices } from "./support.ts"

const bytes = (e: Uint8Array | unknown): Uint8Array => {
  if (!(e instanceof Uint8Array) || !isEncodedBytes(e)) throw new Error("cannot encode")
  return e
}
const handshake = (host: string, nextState: NextState = NextState.Login) =>
  bytes(encodeHandshake({ protocolVersion: 765, serverAddress: host, serverPort: 25565, nextState }))
const local = { address: "127.0.0.1", port: 25565 }
const servers = { "mc.toml": serverToml(["play.example.com"], ["127.0.0.1:1"]) }

const arriveOver = (remote: { address: string; port: number }, ...written: Array<Uint8Array>) =>
  Effect.gen(function*() {
    const conn = memoryConnection(remote)
    for (const chunk of written) conn.client.write(chunk)
    const config = yield* SubscriptionRef.get((yield* ProxyConfigStore).config)
    const inbound = makeInbound(conn.socket)
    const ctx = yield* arrive(inbound, remote, local, config)
    return { ctx, inbound, conn }
  })

describe("arrival", () => {
  it.live("a handshake becomes one context: client, host as routed, route, protocol, raw bytes and config", () =>
    Effect.gen(function*() {
      const shake = handshake("Play.Example.COM.")
      const login = bytes(encodeLoginStart({ name: "alex", uuid: "00000000-0000-0000-0000-000000000001" }, 765))
      // The login start arrives in the same segment: it stays for the next stage.
      const combined = new Uint8Array([...shake, ...login])
      const { ctx, inbound } = yield* arriveOver({ address: "127.0.0.1", port: 40001 }, combined)
      assert.isDefined(ctx)
      assert.strictEqual(ctx!.host, "play.example.com")
      assert.strictEqual(ctx!.route?.entry.id, "mc")
      assert.strictEqual(ctx!.protocolVersion, 765)
      assert.deepStrictEqual(ctx!.client, { address: "127.0.0.1", port: 40001 })
      assert.strictEqual(ctx!.opening._tag, "Handshake")
      assert.deepStrictEqual(ctx!.opening.raw, shake)
      assert.strictEqual(ctx!.config.serversDir.endsWith("servers"), true)
      assert.deepStrictEqual(inbound.pending, login)
    }).pipe(Effect.provide(stageServices({ servers }))))

  it.live("PROXY v2 from a trusted peer names the client; an untrusted peer is refused before a byte is read", () =>
    Effect.gen(function*() {
      const ip = (text: string) => Result.getOrThrow(parseIp(text))
      const header = encodeProxyHeaderV2({ address: ip("203.0.113.7"), port: 51000 }, { address: ip("127.0.0.1"), port: 25565 })
      const trusted = yield* arriveOver({ address: "127.0.0.1", port: 40002 }, header, handshake("play.example.com"))
      assert.deepStrictEqual(trusted.ctx?.client, { address: "203.0.113.7", port: 51000 })
      assert.deepStrictEqual(trusted.ctx?.peer, { address: "127.0.0.1", port: 40002 })
      const untrusted = yield* arriveOver({ address: "10.9.9.9", port: 40003 }, header, handshake("play.example.com"))
      // Refused: the connection's scope closes the socket (ConnectionHandler).
      assert.isUndefined(untrusted.ctx)
      assert.strictEqual(untrusted.inbound.pending.length, 0, "nothing was read from the untrusted peer")
    }).pipe(Effect.provide(stageServices({ servers, global: `receive_proxy_protocol = true\ntrusted_proxies = ["127.0.0.1"]\n` }))))

  it.live("a banned address is closed without its handshake being read", () =>
    Effect.gen(function*() {
      yield* (yield* BanList).add({ target: { type: "ip", value: "127.0.0.9" } })
      const { ctx, inbound } = yield* arriveOver({ address: "127.0.0.9", port: 40004 }, handshake("play.example.com"))
      assert.isUndefined(ctx)
      assert.strictEqual(inbound.pending.length, 0)
    }).pipe(Effect.provide(stageServices({ servers }))))

  it.live("a 1.6 server-list ping is routed by the host it names", () =>
    Effect.gen(function*() {
      const ping = Buffer.from(readFileSync(new URL("../support/fixtures/protocol/legacy-ping-1.6.hex", import.meta.url), "utf8").trim(), "hex")
      const { ctx } = yield* arriveOver({ address: "127.0.0.1", port: 40005 }, ping)
      assert.strictEqual(ctx?.opening._tag, "LegacyPing")
      assert.strictEqual(ctx?.host, "localhost")
      assert.isUndefined(ctx?.route, "localhost is no configured domain")
    }).pipe(Effect.provide(stageServices({ servers }))))

  it.live("garbage fails with a ProtocolError; a stalled handshake with StageTimeout", () =>
    Effect.gen(function*() {
      // A frame whose packet id is not the handshake's.
      const garbage = yield* Effect.flip(arriveOver({ address: "127.0.0.1", port: 40006 }, Uint8Array.of(0x05, 0x07, 0x00, 0x00, 0x00, 0x00)))
      assert.strictEqual((garbage as { _tag: string })._tag, "ProtocolError")
      assert.match((garbage as Error).message, /^handshake\.packet_id/)
      const stalled = yield* Effect.flip(arriveOver({ address: "127.0.0.1", port: 40007 }, Uint8Array.of(0x10, 0x00)))
      assert.strictEqual((stalled as { _tag: string })._tag, "StageTimeout")
    }).pipe(Effect.provide(stageServices({ servers, global: `[limits]\nhandshake_timeout = "200ms"\n` }))))
})
