/**
 * Hostile input inside intercepted sessions (1.20.1: Play right after login): a compressed frame
 * declaring 2 GiB, a zlib bomb in a frame the proxy must read (chat, with a ChatMessage listener)
 * and in one it relays untouched, garbage after encryption starts, and a frame cut in the middle
 * of the cipher stream. Each bad session ends, the proxy's memory does not balloon, and an honest
 * player chatting meanwhile is unaffected.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { randomBytes } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { createDeflate } from "node:zlib"
import { fileURLToPath } from "node:url"
import { packetTable } from "../../../src/protocol/PacketIds.ts"
import { encodeVarInt } from "../../../src/protocol/VarInt.ts"
import { joinAndStay } from "../../support/McClients.ts"
import { mcServer } from "../../support/McPeers.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"
import { type RawSession, rawLogin } from "../../support/RawMcClient.ts"
import { offlineUuid } from "../../../src/auth/OfflineUuid.ts"
import { fakeSessions, NOTCH } from "./support.ts"

const VERSION = "1.20.1"
const PROTOCOL = 763
const CHAT = packetTable(PROTOCOL)!.play.serverbound.ids.chat_message!
const plugin = fileURLToPath(new URL("../../support/plugins/interceptor.ts", import.meta.url))

const concat = (...parts: ReadonlyArray<Uint8Array>) => Uint8Array.from(parts.flatMap((p) => [...p]))
/** A compressed-format frame: `dataLength`, then `body` as given. */
const compressedFrame = (dataLength: number, body: Uint8Array) => {
  const inner = concat(encodeVarInt(dataLength), body)
  return concat(encodeVarInt(inner.length), inner)
}

/** The deflate of `id` then `size` zero bytes, built from one reused 64 KiB chunk (no big buffer in the test either). */
const deflatedZeros = (id: number, size: number): Promise<Uint8Array> =>
  new Promise((resolve, reject) => {
    const out: Array<Buffer> = []
    const deflate = createDeflate()
    deflate.on("data", (c: Buffer) => out.push(c))
    deflate.on("end", () => resolve(Buffer.concat(out)))
    deflate.on("error", reject)
    deflate.write(encodeVarInt(id))
    const chunk = Buffer.alloc(64 * 1024)
    for (let written = 0; written < size; written += chunk.length) deflate.write(chunk)
    deflate.end()
  })

const setup = (mode: "offline" | "client_only") =>
  Effect.gen(function*() {
    const fake = yield* fakeSessions
    // No keep-alive checks: the raw sessions below never answer them.
    const backend = yield* mcServer(VERSION, { keepAlive: false })
    const proxy = yield* startProxy({
      global: `[auth]\nsession_server = "${fake.url}"\n[plugins.interceptor]\npath = ${JSON.stringify(plugin)}\n[plugins.interceptor.config]\nforbidden = "nothing"\n`,
      servers: { "mc.toml": serverToml(["play.example.com"], [backend.address], `proxy_mode = "${mode}"`) }
    })
    const honestAccount = mode === "client_only" ? { online: { sessionServer: fake.url, id: NOTCH.id } } : {}
    const honest = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", "honest", honestAccount))
    yield* Effect.addFinalizer(() => Effect.sync(() => honest.leave()))
    const raw = (name: string) =>
      // Each raw player its own account: a second login of one account would replace the first.
      Effect.promise(() => rawLogin(proxy.port, "play.example.com", PROTOCOL, name, mode === "client_only" ? { online: { sessionServer: fake.url, id: offlineUuid(name) } } : {})).pipe(
        Effect.map((login) => {
          if (login._tag !== "LoggedIn") throw new Error(`raw login failed: ${login._tag}`)
          return login.session
        }),
        // Before the proxy stops: it would wait its shutdown_timeout for a session left open.
        Effect.tap((session) => Effect.addFinalizer(() => Effect.sync(() => session.socket.destroy())))
      )
    return { proxy, honest, raw }
  })

const endedWith = (logs: ReadonlyArray<{ readonly message: string }>, player: string, pattern: RegExp) =>
  logs.some((l) => l.message.startsWith("session ended") && l.message.includes(`player=${player}`) && pattern.test(l.message))

/** Sends `bytes` on the raw session (offline: in clear). */
const send = (session: RawSession, bytes: Uint8Array) => session.socket.write(bytes)

describe("hostile input in intercepted sessions", () => {
  it.live("a frame declaring 2 GiB uncompressed, and a zlib bomb in a chat frame the proxy reads: the session ends, memory stays flat, others play on", () =>
    Effect.gen(function*() {
      const { honest, proxy, raw } = yield* setup("offline")
      // 64 MiB of zeros behind a 1 MiB declaration, in a chat frame (read: ChatMessage has a listener).
      const zeros = yield* Effect.promise(() => deflatedZeros(CHAT, 64 * 1024 * 1024))
      const before = process.memoryUsage().arrayBuffers
      const huge = yield* raw("huge")
      send(huge, compressedFrame(2 ** 31 - 1, Uint8Array.of(0x78, 0x9c, 0x01, 0x02, 0x03)))
      yield* Effect.promise(() => huge.closed)
      yield* waitUntil(() => endedWith(proxy.logs, "huge", /reason=protocol_error .*over|reason=protocol_error .*limit|reason=protocol_error/), "the huge frame's session end")
      const bomb = yield* raw("bomber")
      send(bomb, compressedFrame(1024 * 1024, zeros))
      yield* Effect.promise(() => bomb.closed)
      yield* waitUntil(() => endedWith(proxy.logs, "bomber", /reason=protocol_error/), "the bomb's session end")
      assert.isBelow(process.memoryUsage().arrayBuffers - before, 32 * 1024 * 1024, "no buffer near the declared or inflated sizes")
      assert.isTrue(yield* Effect.promise(() => honest.chatEchoed("still playing")))
    }), { timeout: 30_000 })

  it.live("client_only: a frame cut in the middle of the cipher stream waits for the rest; garbage after encryption ends the session", () =>
    Effect.gen(function*() {
      const { honest, proxy, raw } = yield* setup("client_only")
      const cut = yield* raw("cutter")
      // A chat frame, encrypted, sent in two halves a moment apart: the proxy waits for the rest.
      cut.writer.writePacket(CHAT, concat(encodeVarInt(5), new TextEncoder().encode("hello"), new Uint8Array(8 + 8 + 1 + 1 + 3)))
      const whole: Array<Uint8Array> = []
      cut.writer.flush((b) => whole.push(b.slice()))
      const bytes = concat(...whole)
      cut.socket.write(bytes.subarray(0, 5))
      yield* Effect.sleep("200 millis")
      assert.isFalse(cut.socket.closed, "half a frame is not an error")
      cut.socket.write(bytes.subarray(5))
      yield* waitUntil(() => proxyRecorded(proxy.dir, "hello"), "the chat, once whole")
      const garbage = yield* raw("garbler")
      // Enough for any frame length the garbage may announce (at most 2 MiB) to complete.
      garbage.socket.write(garbage.encrypt!(new Uint8Array(randomBytes(3 * 1024 * 1024))))
      yield* Effect.promise(() => garbage.closed)
      yield* waitUntil(() => endedWith(proxy.logs, "garbler", /reason=protocol_error/), "the garbage session's end")
      assert.isTrue(yield* Effect.promise(() => honest.chatEchoed("unaffected")))
    }), { timeout: 30_000 })
})

const proxyRecorded = (dir: string, message: string) => {
  const file = join(dir, "plugins", "interceptor", "events.jsonl")
  return existsSync(file) && readFileSync(file, "utf8").includes(`"message":"${message}"`)
}
