/**
 * A built-in registers its limbo handler under its own name, unless a configured plugin took the
 * name first (configured plugins load before built-ins): then the built-in stays loaded without
 * it, and a warning names who has it, rather than failing the built-in's load.
 */
import { Effect } from "effect"
import type { LimboHandler } from "../../limbo/LimboHandler.ts"
import type { PluginContextShape } from "../../plugin/PluginApi.ts"

export const registerHandler = (ctx: PluginContextShape, name: string, handler: LimboHandler) =>
  ctx.limbo.register(name, handler).pipe(
    Effect.catchTag("LimboHandlerTaken", (taken) => Effect.logWarning(`the built-in limbo handler '${name}' is not registered: ${taken.message}`))
  )
