/**
 * An example limbo handler: players read the server rules in the limbo and type `/accept` before
 * they go on; whoever does not accept in time is disconnected.
 *
 *   [plugins.limbo_rules]
 *   path = "examples/plugins/limbo-rules.ts"
 *
 *   [plugins.limbo_rules.config]
 *   rules = ["Be kind.", "No griefing."]
 *   timeout_seconds = 60                  # optional, default 120
 *
 * and on the servers it guards:  limbo_handlers = ["rules"]
 *
 * The handler holds the player (Hold), shows a title and the rules, and consumes `/accept`
 * (and `/rules`, which shows them again); its `chat` completes the hold with Accept. A scheduled
 * task completes it with Deny once the time is up (a no-op if the player accepted first).
 */
import { Effect, Layer, Schema } from "effect"
import { type LimboHandler, PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

const Settings = Schema.Struct({
  rules: Schema.Array(Schema.String),
  timeout_seconds: Schema.optionalKey(Schema.Number)
})

export default {
  id: "limbo_rules",
  version: "1.0.0",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const settings = yield* Schema.decodeUnknownEffect(Settings)(ctx.config)
    const timeout = settings.timeout_seconds ?? 120

    const handler: LimboHandler = {
      enter: (player) =>
        Effect.gen(function*() {
          yield* player.title({ title: "Server rules", subtitle: "type /accept to play", stay: 100 })
          for (const rule of settings.rules) yield* player.message(`• ${rule}`)
          yield* player.actionBar(`Type /accept within ${timeout} seconds`)
          yield* ctx.schedule.after(`${timeout} seconds`, player.complete({ _tag: "Deny", reason: "You did not accept the rules in time." }))
          return { _tag: "Hold" } as const
        }),
      chat: (player, input) =>
        Effect.gen(function*() {
          if (!input.command) {
            yield* player.message("Nobody can hear you here: type /accept to play.")
            return "pass" as const
          }
          if (input.message === "accept") {
            yield* Effect.logInfo(`${player.name} accepted the rules`)
            yield* player.complete({ _tag: "Accept" })
            return "consumed" as const
          }
          if (input.message === "rules") {
            for (const rule of settings.rules) yield* player.message(`• ${rule}`)
            return "consumed" as const
          }
          return "pass" as const
        })
    }
    yield* ctx.limbo.register("rules", handler)
  }))
} satisfies PluginDefinition
