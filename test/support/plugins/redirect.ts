/** A test plugin: logins headed for `from` are sent to `to` (ServerPreConnect → ConnectTo). */
import { Effect, Layer, Schema } from "effect"
import { PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

export default {
  id: "redirect",
  version: "0.0.1",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const { from, to } = yield* Schema.decodeUnknownEffect(Schema.Struct({ from: Schema.String, to: Schema.String }))(ctx.config)
    yield* ctx.events.on("ServerPreConnect", (e) => Effect.succeed(e.server === from ? { _tag: "ConnectTo", server: to } as const : undefined))
  }))
} satisfies PluginDefinition
