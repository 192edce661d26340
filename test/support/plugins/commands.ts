/**
 * A test plugin for in-game commands: `/hello [name]` (alias `/hi`) for everyone, completing
 * names from its settings; `/secret` for admins only; `/boom`, whose handler fails; `/stall`,
 * which outlasts the plugin's listener_timeout. Each run is written to `<data_dir>/runs.jsonl`.
 */
import { Effect, Layer } from "effect"
import { appendFileSync } from "node:fs"
import { join } from "node:path"
import { PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

export default {
  id: "greeter",
  version: "2.0.0",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const record = (line: Record<string, unknown>) => Effect.sync(() => appendFileSync(join(ctx.dataDir, "runs.jsonl"), `${JSON.stringify(line)}\n`))
    yield* ctx.commands.register("hello", (run) =>
      Effect.gen(function*() {
        yield* record({ command: "hello", player: run.player.name, label: run.label, args: run.args, rest: run.rest, admin: run.admin })
        yield* run.reply({ text: `Hello, ${run.args[0] ?? run.player.name}!`, color: "aqua" })
      }), {
      aliases: ["hi"],
      description: "says hello",
      complete: (request) => Effect.succeed(request.args.length === 0 ? ["world", "there", "everyone"] : [])
    })
    yield* ctx.commands.register("secret", (run) => Effect.asVoid(run.reply("The secret is 42.")), { permission: "admin", description: "admins only" })
    yield* ctx.commands.register("boom", () => Effect.fail(new Error("the plugin's handler failed")))
    yield* ctx.commands.register("stall", () => Effect.never)
  }))
} satisfies PluginDefinition
