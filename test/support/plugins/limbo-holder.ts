/**
 * A test limbo handler, `holder`: it holds every player; a player who says `ready` gets a title
 * ("Held") and the chat line `held:<name>`, and one who says `release` is let go (Accept). Both
 * words are consumed: they never reach a backend.
 */
import { Effect, Layer } from "effect"
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
  layer: Layer.effectDiscard(Effect.flatMap(PluginContext, (ctx) => ctx.limbo.register("holder", handler)))
} satisfies PluginDefinition
