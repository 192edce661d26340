/**
 * A test plugin for the intercepted modes' events and actions: it writes what it sees to
 * `<data_dir>/events.jsonl`, denies chat containing `forbidden`, answers "!title" with a title, an
 * action bar and a chat message to the player, answers "!kick" by kicking the player with a
 * reason, rewrites "rewrite:<text>" to the text in capitals, and counts the packets given in
 * `raw` (a RawPacket filter).
 */
import { Effect, Layer, Schema } from "effect"
import { appendFileSync } from "node:fs"
import { join } from "node:path"
import { PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

const Settings = Schema.Struct({
  forbidden: Schema.String,
  raw: Schema.optionalKey(Schema.Struct({
    direction: Schema.Literals(["serverbound", "clientbound"]),
    state: Schema.Literals(["configuration", "play"]),
    id: Schema.Number
  }))
})

export default {
  id: "interceptor",
  version: "0.0.1",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const settings = yield* Schema.decodeUnknownEffect(Settings)(ctx.config)
    const file = join(ctx.dataDir, "events.jsonl")
    const record = (line: Record<string, unknown>) => Effect.sync(() => appendFileSync(file, `${JSON.stringify(line)}\n`))
    yield* ctx.events.on("ChatMessage", (e) =>
      Effect.gen(function*() {
        yield* record({ tag: "ChatMessage", player: e.player.name, message: e.message, command: e.command })
        if (e.message === "!title") {
          const shown = [
            yield* ctx.players.title(e.player.name, { title: "Hello", subtitle: "from a plugin" }),
            yield* ctx.players.actionBar(e.player.name, "over the hotbar"),
            yield* ctx.players.message(e.player.name, { text: "a plugin says hi", color: "gold" })
          ]
          yield* record({ tag: "Shown", shown })
          return { _tag: "Deny" } as const
        }
        if (e.message === "!kick") {
          yield* ctx.players.kick(e.player.name, "Kicked by a plugin")
          return { _tag: "Deny" } as const
        }
        if (e.message.startsWith("rewrite:")) return { _tag: "Modify", message: e.message.slice("rewrite:".length).toUpperCase() } as const
        return e.message.includes(settings.forbidden) ? { _tag: "Deny" } as const : undefined
      }))
    if (settings.raw !== undefined) {
      yield* ctx.events.on("RawPacket", (e) => record({ tag: "RawPacket", id: e.packetId, direction: e.direction, state: e.state }), { packets: [settings.raw] })
    }
    yield* ctx.events.on("KickedFromServer", (e) => record({ tag: "KickedFromServer", player: e.player.name, server: e.server, reason: e.reason }))
    yield* ctx.events.on("Disconnect", (e) => record({ tag: "Disconnect", player: e.player.name, lastServer: e.lastServer }))
    yield* ctx.events.on("PostLogin", (e) => record({ tag: "PostLogin", player: e.player.name, identity: e.player.identity }))
  }))
} satisfies PluginDefinition
