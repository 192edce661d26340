/**
 * The WASM host's loading rules, over real components: ones that do not match the world are
 * refused with a message naming the missing or wrong export (shape-only components made from a
 * changed copy of the WIT by jco's wasm-tools); a refused replacement leaves the loaded version
 * running; settings changes reload; per-plugin metrics count calls, time, failures and restarts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric } from "effect"
import { componentEmbed, componentNew } from "@bytecodealliance/jco-transpile/wasm-tools"
import { readFileSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { ChatResult, PreConnectResult } from "../../src/event/ProxyEvent.ts"
import { tagged, wasmPluginCallDuration, wasmPluginCalls, wasmPluginFailures, wasmPluginRestarts } from "../../src/observability/Metrics.ts"
import { waitUntil } from "../support/Poll.ts"
import { buildCPlugin, example, hostile, WIT_PATH } from "../support/WasmToolchain.ts"
import { player, said, wasmHost } from "./support.ts"

const WIT = readFileSync(WIT_PATH, "utf8")
const CHAT = "on-chat-message: func(player: player, message: string, command: bool, current: chat-result) -> option<chat-result>;"

/** A component with the shape of `wit` (its functions trap if called): what a plugin built against it would export. */
const shaped = (wit: string, world = "plugin") =>
  Effect.promise(() => componentEmbed({ dummy: true, witSource: wit, world, stringEncoding: "utf8" }).then((core) => componentNew(core)))

const refusal = (logs: ReadonlyArray<{ readonly message: string; readonly level: string }>, id: string) =>
  logs.find((l) => l.level === "Error" && l.message.startsWith(`plugin '${id}' (`))?.message

describe("WASM host", () => {
  it.live("refuses components that do not match the world, naming the missing or wrong export", () =>
    Effect.gen(function*() {
      assert.include(WIT, CHAT)
      const fixture = yield* wasmHost("")
      const cases = {
        missing: yield* shaped(WIT.replace(CHAT, "")),
        wrong_type: yield* shaped(WIT.replace(CHAT, CHAT.replace("-> option<chat-result>", "-> option<string>"))),
        other_version: yield* shaped(WIT.replace("package infrarust:plugin@0.1.0;", "package infrarust:plugin@0.2.0;")),
        other_world: yield* shaped("package acme:tool;\nworld tool {\n  export run: func() -> string;\n}\n", "tool"),
        not_wasm: new TextEncoder().encode("this is not WebAssembly")
      }
      for (const [id, bytes] of Object.entries(cases)) writeFileSync(join(fixture.pluginsDir, `${id}.wasm`), bytes)
      yield* waitUntil(() => Object.keys(cases).every((id) => refusal(fixture.logs, id) !== undefined), "five refusals", 30_000)
      assert.include(refusal(fixture.logs, "missing"), "is not loaded: it does not match the plugin world: its export infrarust:plugin/events@0.1.0 lacks the function 'on-chat-message'")
      assert.include(refusal(fixture.logs, "wrong_type"), "its export 'on-chat-message' has the wrong type: `export function onChatMessage(player: Player, message: string, command: boolean, current: ChatResult): string | undefined;`, where the world says `export function onChatMessage(player: Player, message: string, command: boolean, current: ChatResult): ChatResult | undefined;`")
      assert.include(refusal(fixture.logs, "other_version"), "it exports infrarust:plugin/events@0.2.0, but this proxy speaks infrarust:plugin/events@0.1.0")
      assert.include(refusal(fixture.logs, "other_world"), "it does not export infrarust:plugin/events@0.1.0 (it exports run)")
      assert.include(refusal(fixture.logs, "not_wasm"), "it is not a WebAssembly component this proxy can load")
      assert.deepStrictEqual(yield* fixture.host.loaded, [])
      // Logged once: a rescan (any change in the directory) does not repeat a refusal.
      writeFileSync(join(fixture.pluginsDir, "unrelated.txt"), "x")
      yield* Effect.sleep("600 millis")
      assert.strictEqual(fixture.logs.filter((l) => l.message.startsWith("plugin 'missing' (")).length, 1)
    }), { timeout: 60_000 })

  it.live("a refused replacement keeps the loaded version; new settings reload it; metrics per plugin", () =>
    Effect.gen(function*() {
      const filter = yield* Effect.promise(() => buildCPlugin([example("chat-filter/chat_filter.c")]))
      const trap = yield* Effect.promise(() => hostile("TRAP"))
      const config = (words: string) => `[plugins.chat_filter.config]\nwords = [${words}]\n`
      const fixture = yield* wasmHost(config(`"creeper"`))
      const file = join(fixture.pluginsDir, "chat_filter.wasm")
      fixture.install("chat_filter.wasm", filter)
      yield* waitUntil(() => said(fixture.logs, "chat_filter", "loaded from").length === 1, "the filter to load", 20_000)
      const chat = (message: string) =>
        fixture.events.fire({ _tag: "ChatMessage", player: player("alex"), message, command: false }, { _tag: "Allow" } as ChatResult)
      assert.deepStrictEqual(yield* chat("creeper"), { _tag: "Deny" })

      fixture.install("chat_filter.wasm", yield* shaped(WIT.replace(CHAT, "")))
      yield* waitUntil(() => said(fixture.logs, "chat_filter", "the version loaded before keeps running").length === 1, "the refusal", 20_000)
      assert.deepStrictEqual(yield* chat("creeper"), { _tag: "Deny" }, "the old version still answers")

      writeFileSync(file, filter)
      fixture.writeGlobal(config(`"zombie"`))
      yield* waitUntil(() => said(fixture.logs, "chat_filter", "WASM plugin 'chat_filter' reloaded").length === 1, "the reload", 20_000)
      assert.deepStrictEqual(yield* chat("creeper"), { _tag: "Allow" })
      assert.deepStrictEqual(yield* chat("a zombie!"), { _tag: "Deny" })

      // Too little memory to start: refused, with what it needs.
      fixture.writeGlobal(`${config(`"zombie"`)}[plugins.tiny]\nmax_memory = "64KiB"\n`)
      fixture.install("tiny.wasm", filter)
      yield* waitUntil(() => refusal(fixture.logs, "tiny") !== undefined, "the refusal of tiny", 20_000)
      assert.match(refusal(fixture.logs, "tiny")!, /is not loaded: it needs [\d.]+ [KM]iB of memory to start, more than max_memory \(64 KiB\)/)

      // A trapping plugin, for the failure and restart counters.
      fixture.install("trap.wasm", trap)
      yield* waitUntil(() => said(fixture.logs, "trap", "loaded from").length === 1, "the trap plugin to load", 20_000)
      yield* fixture.events.fire({ _tag: "ServerPreConnect", player: player("x"), server: "s", previous: undefined }, { _tag: "Allowed" } as PreConnectResult)
      yield* waitUntil(() => said(fixture.logs, "trap", "started again").length === 1, "the restart", 10_000)
      const count = (metric: Metric.Metric<number, any>, attributes: Record<string, string>) =>
        Effect.map(Metric.value(tagged(metric, attributes)), (s) => (s as { readonly count: number }).count)
      // Each load called init once, and the reloaded filter answered two chats.
      assert.isAtLeast(yield* count(wasmPluginCalls, { plugin: "chat_filter" }), 5)
      assert.strictEqual(yield* count(wasmPluginFailures, { plugin: "trap", reason: "trap" }), 1)
      assert.strictEqual(yield* count(wasmPluginRestarts, { plugin: "trap" }), 1)
      const time = (yield* Metric.value(tagged(wasmPluginCallDuration, { plugin: "chat_filter" }))) as { readonly count: number; readonly sum: number }
      assert.isAtLeast(time.count, 3)
      assert.isAbove(time.sum, 0)
    }), { timeout: 60_000 })
})
