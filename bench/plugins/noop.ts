/**
 * A plugin that listens to every event and does nothing: `npm run bench -- --noop-plugin` runs
 * passthrough with it (subject passthrough+noop) to show what listeners cost a login or a ping.
 */
import { Effect, Layer } from "effect"
import { EVENT_TAGS, PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

export default {
  id: "noop",
  version: "1.0.0",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    for (const tag of EVENT_TAGS) yield* ctx.events.on(tag, () => Effect.void)
  }))
} satisfies PluginDefinition
