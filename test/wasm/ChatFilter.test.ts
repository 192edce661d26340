/**
 * The C example (examples/wasm/chat-filter), built from source with Debian's clang and loaded by
 * the WASM host: ChatMessage events fired through the event bus come back Deny when they hold a
 * listed word, in any case, and Allow otherwise; commands pass. (Chat reaches plugins only in the
 * intercepted modes; the end-to-end check waits for them.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import type { ChatResult } from "../../src/event/ProxyEvent.ts"
import { waitUntil } from "../support/Poll.ts"
import { buildCPlugin, example } from "../support/WasmToolchain.ts"
import { player, said, wasmHost } from "./support.ts"

describe("chat filter (C)", () => {
  it.live("denies chat with a listed word, allows the rest, leaves commands alone", () =>
    Effect.gen(function*() {
      const component = yield* Effect.promise(() => buildCPlugin([example("chat-filter/chat_filter.c")]))
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
})
