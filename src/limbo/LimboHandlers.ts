/**
 * The named limbo handlers plugins registered, and the resolution of a `limbo_handlers` list.
 *
 * A name belongs to one plugin at a time: registering a taken name fails (the plugin's Layer
 * fails with a message naming both plugins) rather than silently replacing a handler another
 * plugin relies on. A registration lasts as long as the registering scope (the plugin's).
 *
 * Resolution (reference §2.15): strict for PlayerChooseInitialServer's SendToLimbo and the
 * `$limbo` target (any unknown name refuses the whole list), lenient elsewhere (unknown names are
 * skipped with a warning). An empty result is refused in both modes: the integration shows
 * `LimboMessages.noHandlers` or `noHandlersForServer`.
 */
import { Context, Effect, Layer, Schema, Scope } from "effect"
import type { LimboHandler, NamedHandler } from "./LimboHandler.ts"

export class LimboHandlerTaken extends Schema.TaggedError<LimboHandlerTaken>()("LimboHandlerTaken", {
  name: Schema.String,
  plugin: Schema.String,
  owner: Schema.String
}) {
  override get message(): string {
    return `limbo handler '${this.name}' of plugin '${this.plugin}': the name is taken by plugin '${this.owner}'`
  }
}

export type Strictness = "strict" | "lenient"

export type Resolution =
  | { readonly _tag: "Resolved"; readonly handlers: ReadonlyArray<NamedHandler> }
  /** `unknown`: the names no plugin registered (strict), or every name when none resolved. */
  | { readonly _tag: "Refused"; readonly unknown: ReadonlyArray<string> }

export class LimboHandlers extends Context.Service<LimboHandlers, {
  /** Registers `handler` as `name` for `plugin` until the current scope closes. */
  readonly register: (plugin: string, name: string, handler: LimboHandler) => Effect.Effect<void, LimboHandlerTaken, Scope.Scope>
  readonly resolve: (names: ReadonlyArray<string>, strictness: Strictness) => Effect.Effect<Resolution>
  /** Registered names and their plugins, in registration order. */
  readonly list: Effect.Effect<ReadonlyArray<{ readonly name: string; readonly plugin: string }>>
}>()("infrarust/limbo/LimboHandlers") {
  static readonly layer = Layer.sync(LimboHandlers, () => {
    const byName = new Map<string, NamedHandler>()
    const register = (plugin: string, name: string, handler: LimboHandler) =>
      Effect.gen(function*() {
        const taken = byName.get(name)
        if (taken !== undefined) return yield* new LimboHandlerTaken({ name, plugin, owner: taken.plugin })
        const entry: NamedHandler = { name, plugin, handler }
        byName.set(name, entry)
        yield* Effect.addFinalizer(() => Effect.sync(() => byName.get(name) === entry && byName.delete(name)))
        yield* Effect.logDebug(`limbo handler '${name}' registered by plugin '${plugin}'`)
      })
    const resolve = (names: ReadonlyArray<string>, strictness: Strictness) =>
      Effect.gen(function*() {
        const found = names.flatMap((n) => byName.get(n) ?? [])
        const unknown = names.filter((n) => !byName.has(n))
        if (unknown.length > 0 && strictness === "strict") return { _tag: "Refused", unknown } as Resolution
        if (unknown.length > 0) yield* Effect.logWarning(`unknown limbo handlers skipped: ${unknown.map((n) => `'${n}'`).join(", ")}`)
        return found.length === 0 ? ({ _tag: "Refused", unknown } as Resolution) : ({ _tag: "Resolved", handlers: found } as Resolution)
      })
    return LimboHandlers.of({
      register,
      resolve,
      list: Effect.sync(() => [...byName.values()].map(({ name, plugin }) => ({ name, plugin })))
    })
  })
}
