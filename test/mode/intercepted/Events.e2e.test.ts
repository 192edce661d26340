/**
 * Inside an intercepted session (offline, 1.21.4, real minecraft-protocol peers): ChatMessage for
 * chat and commands (a Deny keeps it from the backend), player actions from a plugin (title,
 * action bar, chat, kick with a reason), RawPacket only for the packets a listener asked for,
 * Chat Session Update never reaching the offline backend, KickedFromServer and Disconnect with the
 * backend's reason, and a second login of the same offline player replacing the first.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { packetTable } from "../../../src/protocol/PacketIds.ts"
import { joinAndStay, reasonText } from "../../support/McClients.ts"
import { mcServer } from "../../support/McPeers.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"

const VERSION = "1.21.4"
const KEEP_ALIVE = packetTable(769)!.play.clientbound.ids.keep_alive!
const plugin = fileURLToPath(new URL("../../support/plugins/interceptor.ts", import.meta.url))

const recorded = (dir: string) => {
  const file = join(dir, "plugins", "interceptor", "events.jsonl")
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>) : []
}

const setup = Effect.gen(function*() {
  const backend = yield* mcServer(VERSION, {
    onJoin: (client) => {
      if ((client as unknown as { username: string }).username === "kickme") setTimeout(() => client.end("You are kicked"), 300)
    }
  })
  const proxy = yield* startProxy({
    global: `[plugins.interceptor]\npath = ${JSON.stringify(plugin)}\n[plugins.interceptor.config]\nforbidden = "badword"\nraw = { direction = "clientbound", state = "play", id = ${KEEP_ALIVE} }\n`,
    servers: { "mc.toml": serverToml(["play.example.com"], [backend.address], `proxy_mode = "offline"`) }
  })
  return { backend, proxy }
})

/** Resolves with the first packet `name` the player receives after `trigger`. */
const nextPacket = (player: { client: { once: (e: string, l: (p: unknown) => void) => void } }, name: string) =>
  new Promise<unknown>((resolve) => player.client.once(name, resolve))

describe("events and actions in an intercepted session", () => {
  it.live("chat and commands fire ChatMessage, a Deny keeps chat from the backend, and a plugin's title, action bar, message and kick reach the player", () =>
    Effect.gen(function*() {
      const { backend, proxy } = yield* setup
      const player = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", "alex"))
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("allowed")))
      player.client.chat("a badword here")
      player.client.chat("/help")
      const title = nextPacket(player as never, "set_title_text")
      const subtitle = nextPacket(player as never, "set_title_subtitle")
      player.client.chat("!title")
      yield* Effect.promise(() => Promise.all([title, subtitle]))
      yield* waitUntil(() => recorded(proxy.dir).some((l) => l["tag"] === "Shown"), "the plugin's actions")
      assert.deepStrictEqual(recorded(proxy.dir).find((l) => l["tag"] === "Shown")?.["shown"], [true, true, true])
      const chats = recorded(proxy.dir).filter((l) => l["tag"] === "ChatMessage").map((l) => [l["message"], l["command"]])
      assert.deepStrictEqual(chats, [["allowed", false], ["a badword here", false], ["help", true], ["!title", false]])
      assert.deepStrictEqual(backend.chats, ["allowed"], "denied chat never reached the backend")
      const kicked = player.kicked
      player.client.chat("!kick")
      assert.include(reasonText(yield* Effect.promise(() => kicked)), "Kicked by a plugin")
      yield* waitUntil(() => recorded(proxy.dir).some((l) => l["tag"] === "Disconnect"), "Disconnect")
    }), { timeout: 30_000 })

  it.live("RawPacket only for the packets asked for; Chat Session Update is dropped toward the offline backend", () =>
    Effect.gen(function*() {
      const { backend, proxy } = yield* setup
      const player = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", "alex"))
      yield* waitUntil(() => player.keepAlives() >= 2, "two keep-alives", 8000)
      const raw = recorded(proxy.dir).filter((l) => l["tag"] === "RawPacket")
      assert.isAtLeast(raw.length, 2)
      assert.isTrue(raw.every((l) => l["id"] === KEEP_ALIVE && l["direction"] === "clientbound" && l["state"] === "play"))
      ;(player.client as unknown as { write: (n: string, p: unknown) => void }).write("chat_session_update", {
        sessionUUID: "00000000-0000-0000-0000-000000000001",
        expireTime: 0n,
        publicKey: Buffer.alloc(16),
        signature: Buffer.alloc(16)
      })
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("after the session update")))
      assert.notInclude(backend.packets(), "chat_session_update")
      assert.include(backend.packets(), "chat_message")
      player.leave()
    }), { timeout: 30_000 })

  it.live("a backend's kick fires KickedFromServer and Disconnect with its reason, which the player reads", () =>
    Effect.gen(function*() {
      const { proxy } = yield* setup
      const player = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", "kickme"))
      assert.include(reasonText(yield* Effect.promise(() => player.kicked)), "You are kicked")
      yield* waitUntil(() => recorded(proxy.dir).some((l) => l["tag"] === "Disconnect"), "Disconnect")
      const lines = recorded(proxy.dir)
      assert.include(String(lines.find((l) => l["tag"] === "KickedFromServer")?.["reason"]), "You are kicked")
      assert.deepStrictEqual(lines.find((l) => l["tag"] === "Disconnect"), { tag: "Disconnect", player: "kickme", lastServer: "mc" })
      assert.deepStrictEqual(lines.find((l) => l["tag"] === "PostLogin"), { tag: "PostLogin", player: "kickme", identity: "offline" })
    }), { timeout: 30_000 })

  it.live("ChatMessage Modify rewrites unsigned chat (1.12.2); signed chat (1.21.4) is forwarded as written", () =>
    Effect.gen(function*() {
      for (const version of ["1.12.2", VERSION]) {
        const backend = yield* mcServer(version)
        const proxy = yield* startProxy({
          global: `[plugins.interceptor]\npath = ${JSON.stringify(plugin)}\n[plugins.interceptor.config]\nforbidden = "badword"\n`,
          servers: { "mc.toml": serverToml(["play.example.com"], [backend.address], `proxy_mode = "offline"`) }
        })
        const player = yield* Effect.promise(() => joinAndStay(version, proxy.port, "play.example.com", "alex"))
        player.client.chat("rewrite:loud")
        yield* waitUntil(() => backend.chats.length === 1, "the chat at the backend")
        assert.deepStrictEqual(backend.chats, [version === "1.12.2" ? "LOUD" : "rewrite:loud"])
        player.leave()
      }
    }), { timeout: 30_000 })

  it.live("a second login of the same offline player replaces the first, which reads why", () =>
    Effect.gen(function*() {
      const { proxy } = yield* setup
      const first = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", "Twin"))
      const second = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", "Twin"))
      assert.include(reasonText(yield* Effect.promise(() => first.kicked)), "You logged in from another location")
      assert.isTrue(yield* Effect.promise(() => second.chatEchoed("still here")))
      second.leave()
    }), { timeout: 30_000 })
})
