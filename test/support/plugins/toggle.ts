/**
 * A test plugin that may be disabled and enabled at run time (`reloadable`): it writes
 * "start" to `<data_dir>/lifecycle.log` when its Layer is built and "stop" when its scope closes.
 */
import { Effect, Layer } from "effect"
import { appendFileSync } from "node:fs"
import { join } from "node:path"
import { PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

export default {
  id: "toggle",
  version: "1.0.0",
  reloadable: true,
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const file = join(ctx.dataDir, "lifecycle.log")
    yield* Effect.acquireRelease(
      Effect.sync(() => appendFileSync(file, "start\n")),
      () => Effect.sync(() => appendFileSync(file, "stop\n"))
    )
  }))
} satisfies PluginDefinition
