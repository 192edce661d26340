/**
 * A test plugin that wants names already taken: `/hello`, which the greeter (loaded first) keeps
 * at the top level, so this one is reachable only as `/ir plugin rival hello`; and `/ir`, which
 * is the proxy's (its refusal is written to `<data_dir>/refused.txt`).
 */
import { Effect, Layer } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import { PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

export default {
  id: "rival",
  version: "1.0.0",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    yield* ctx.commands.register("hello", (run) => Effect.asVoid(run.reply(`The rival says hello to ${run.player.name}.`)))
    const refused = yield* Effect.flip(ctx.commands.register("ir", () => Effect.void))
    writeFileSync(join(ctx.dataDir, "refused.txt"), refused.message)
  }))
} satisfies PluginDefinition
