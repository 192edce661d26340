/**
 * A test plugin with the id of a built-in (`auth`): configured with a path, it replaces the
 * built-in one. It registers the `auth` limbo handler that accepts everyone, and says so.
 */
import { Effect, Layer } from "effect"
import { PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

export default {
  id: "auth",
  version: "9.9.9",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    yield* ctx.limbo.register("auth", {
      enter: (player) => Effect.as(player.message("the admin's own auth"), { _tag: "Accept" } as const)
    })
  }))
} satisfies PluginDefinition
