/**
 * A test plugin that writes what it sees to `<data_dir>/events.jsonl`, one JSON object per line:
 * lifecycle, connection and reload events, plus three ServerPreConnect listeners registered out of
 * priority order (LAST, FIRST, NORMAL) that record the order they actually ran in.
 */
import { Effect, Layer } from "effect"
import { appendFileSync } from "node:fs"
import { join } from "node:path"
import { PluginContext, type PluginDefinition, Priority } from "infrarust-ts/plugin"

export default {
  id: "recorder",
  version: "0.0.1",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const file = join(ctx.dataDir, "events.jsonl")
    // Logged too: the file goes with the test's directory when the proxy stops.
    const record = (line: Record<string, unknown>) =>
      Effect.andThen(Effect.sync(() => appendFileSync(file, `${JSON.stringify(line)}\n`)), Effect.logDebug(`recorded ${line["tag"]}`))
    yield* ctx.events.on("ProxyInitialize", () => record({ tag: "ProxyInitialize" }))
    yield* ctx.events.on("ProxyShutdown", () => record({ tag: "ProxyShutdown" }))
    yield* ctx.events.on("ConfigReload", (e) => record({ tag: "ConfigReload", source: e.source, added: e.added, removed: e.removed }))
    yield* ctx.events.on("ServerConnected", (e) => record({ tag: "ServerConnected", player: e.player.name, server: e.server, session: e.player.session }))
    yield* ctx.events.on("Disconnect", (e) => record({ tag: "Disconnect", player: e.player.name, lastServer: e.lastServer, session: e.player.session }))
    for (const [name, priority] of [["LAST", Priority.LAST], ["FIRST", Priority.FIRST], ["NORMAL", Priority.NORMAL]] as const) {
      yield* ctx.events.on("ServerPreConnect", (e) => record({ tag: "ServerPreConnect", player: e.player.name, server: e.server, priority: name }), { priority })
    }
  }))
} satisfies PluginDefinition
