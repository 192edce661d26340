/**
 * A test limbo handler, `holder`: it holds every player; a player who says `ready` gets a title
 * ("Held") and the chat line `held:<name>`, and one who says `release` is let go (Accept). Both
 * words are consumed: they never reach a backend. With `initial = ["name", ...]` in its config it
 * also answers PlayerChooseInitialServer with SendToLimbo to those handlers.
 */
import { Effect, Layer, Schema } from "effect"
import { type LimboHandler, PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

const handler: LimboHandler = {
  enter: () => Effect.succeed({ _tag: "Hold" } as const),
  chat: (player, input) =>
    Effect.gen(function*() {
      if (input.message === "ready") {
        yield* player.title({ title: "Held", subtitle: "wait here" })
        yield* player.message(`held:${player.name}`)
        return "consumed" as const
      }
      if (input.message === "release") {
        yield* player.complete({ _tag: "Accept" })
        return "consumed" as const
      }
      return "pass" as const
    })
}

export default {
  id: "limbo_holder",
  version: "0.0.1",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    yield* ctx.limbo.register("holder", handler)
    const { initial } = yield* Schema.decodeUnknownEffect(Schema.Struct({ initial: Schema.optionalKey(Schema.Array(Schema.String)) }))(ctx.config)
    if (initial !== undefined) {
      yield* ctx.events.on("PlayerChooseInitialServer", () => Effect.succeed({ _tag: "SendToLimbo", handlers: initial } as const))
    }
  }))
} satisfies PluginDefinition
