/**
 * The C example (examples/wasm/chat-filter), built from source with Debian's clang and loaded by
 * the WASM host: ChatMessage events fired through the event bus come back Deny when they hold a
 * listed word, in any case, and Allow otherwise; commands pass. Then end to end: a real
 * minecraft-protocol player in offline mode chats through the proxy, and the filtered message never
 * reaches the real backend.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { joinAndStay } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import type { ChatResult } from "../../src/event/ProxyEvent.ts"
import { waitUntil } from "../support/Poll.ts"
import { buildCPlugin, example } from "../support/WasmToolchain.ts"
import { player, said, wasmHost } from "./support.ts"

// Built once for the suite: clang is the slow part.
let built: Promise<Uint8Array> | undefined
const chatFilter = Effect.promise(() => (built ??= buildCPlugin([example("chat-filter/chat_filter.c")])))

describe("chat filter (C)", () => {
  it.live("denies chat with a listed word, allows the rest, leaves commands alone", () =>
    Effect.gen(function*() {
      const component = yield* chatFilter
      const fixture = yield* wasmHost(`[plugins.chat_filter.config]\nwords = ["creeper", "Griefing"]\n`)
      writeFileSync(join(fixture.pluginsDir, "chat_filter.wasm"), component)
      yield* waitUntil(() => said(fixture.logs, "chat_filter", "WASM plugin 'chat_filter' loaded").length === 1, "the plugin to load", 20_000)
      assert.isTrue(said(fixture.logs, "chat_filter", "filtering chat for 2 word(s)").length === 1)
      assert.isTrue(fixture.events.wants("ChatMessage"))
      assert.isFalse(fixture.events.wants("ProxyPing"), "it asked for chat only")
      const chat = (message: string, command = false) =>
        fixture.events.fire({ _tag: "ChatMessage", player: player("alex"), message, command }, { _tag: "Allow" } as ChatResult)
      assert.deepStrictEqual(yield* chat("look, a CREEPER!"), { _tag: "Deny" })
      assert.deepStrictEqual(yield* chat("no griefing please"), { _tag: "Deny" })
      assert.deepStrictEqual(yield* chat("hello there"), { _tag: "Allow" })
      assert.deepStrictEqual(yield* chat("creeper", true), { _tag: "Allow" }, "commands are not filtered")
      assert.isTrue(said(fixture.logs, "chat_filter", "denied a message from alex (it contains 'creeper')").length === 1)
    }), { timeout: 60_000 })

  it.live("a filtered message from a real player never reaches the backend (offline mode)", () =>
    Effect.gen(function*() {
      const component = yield* chatFilter
      const backend = yield* mcServer("1.21.4")
      const proxy = yield* startProxy({
        global: (dir) => {
          writeFileSync(join(dir, "chat_filter.wasm"), component)
          return `[plugins.chat_filter]\npath = ${JSON.stringify(join(dir, "chat_filter.wasm"))}\n[plugins.chat_filter.config]\nwords = ["creeper"]\n`
        },
        servers: { "mc.toml": serverToml(["play.example.com"], [backend.address], `proxy_mode = "offline"`) }
      })
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("WASM plugin 'chat_filter' loaded")), "the plugin to load", 20_000)
      const alex = yield* Effect.promise(() => joinAndStay("1.21.4", proxy.port, "play.example.com", "alex"))
      yield* Effect.addFinalizer(() => Effect.sync(() => alex.leave()))
      alex.client.chat("a creeper is near")
      assert.isTrue(yield* Effect.promise(() => alex.chatEchoed("hello everyone")), "allowed chat crosses")
      assert.deepStrictEqual(backend.chats, ["hello everyone"], "the filtered message never reached the backend")
    }), { timeout: 60_000 })
})
