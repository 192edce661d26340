/**
 * examples/plugins/limbo-rules.ts, loaded as a plugin Layer whose context registers into the
 * limbo's handler registry (the members it does not use are absent from this context): real
 * players meet the rules, one accepts with /accept, one lets the time run out and is disconnected.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Cause, Deferred, Duration, Effect, Layer, Queue, Schedule, Scope } from "effect"
import definition from "../../examples/plugins/limbo-rules.ts"
import { LimboHandlers } from "../../src/limbo/LimboHandlers.ts"
import { PluginContext, type PluginContextShape } from "../../src/plugin/PluginApi.ts"
import { joinLimbo, TestLimbo, testLimboLayer, within } from "./support.ts"

const unused = (member: string) => Effect.die(new Error(`the example plugin does not use ${member}`))

/** The members of a plugin context the example uses, over the real limbo registry and a scope. */
const contextFor = (handlers: LimboHandlers["Service"], scope: Scope.Scope, config: Record<string, unknown>) =>
  ({
    id: definition.id,
    version: definition.version,
    dataDir: "",
    config,
    proxyConfig: unused("proxyConfig"),
    limbo: { register: (name, handler) => Scope.provide(scope)(handlers.register(definition.id, name, handler)) },
    schedule: {
      after: (delay, task) => Effect.asVoid(Effect.forkIn(Effect.delay(Effect.catchCause(task, (c) => Effect.logError(Cause.pretty(c))), delay), scope)),
      every: (interval, task) => Effect.asVoid(Effect.forkIn(Effect.repeat(Effect.ignore(task), Schedule.spaced(interval)), scope))
    }
  }) as Partial<PluginContextShape> as PluginContextShape

const request = Effect.gen(function*() {
  const handlers = yield* LimboHandlers
  const resolved = yield* handlers.resolve(["rules"], "strict")
  if (resolved._tag === "Refused") return yield* Effect.die(new Error("the example plugin registered no 'rules' handler"))
  return { handlers: resolved.handlers, entry: { _tag: "InitialConnection", target: "survival" } as const }
})

const pluginLoaded = Layer.effectDiscard(Effect.gen(function*() {
  const handlers = yield* LimboHandlers
  const scope = yield* Scope.Scope
  const context = contextFor(handlers, scope, { rules: ["Be kind.", "No griefing."], timeout_seconds: 3 })
  yield* Layer.buildWithScope(definition.layer, scope).pipe(Effect.provideService(PluginContext, context))
}))

const services = Layer.provideMerge(pluginLoaded, testLimboLayer(() => request))

layer(services, { timeout: 30_000, excludeTestServices: true })("examples/plugins/limbo-rules.ts", (it) => {
  describe("in the limbo", () => {
    it.effect("shows the rules; /accept completes the chain to the target", () =>
      Effect.gen(function*() {
        const limbo = yield* TestLimbo
        const player = yield* joinLimbo("1.20.4", limbo.port, "Reader")
        const visit = yield* Queue.take(limbo.visits)
        yield* within("the rules", () => Promise.all([player.sawText("Server rules"), player.sawText("No griefing."), player.sawText("/accept within 3 seconds")]))
        player.client.chat("/accept")
        assert.deepStrictEqual(yield* Deferred.await(visit.exited), { _tag: "Completed", target: "survival" })
      }).pipe(Effect.scoped))

    it.effect("a player who does not accept in time is Denied with the plugin's reason", () =>
      Effect.gen(function*() {
        const limbo = yield* TestLimbo
        yield* joinLimbo("1.8.8", limbo.port, "Idler")
        const visit = yield* Queue.take(limbo.visits)
        const exit = yield* Deferred.await(visit.exited).pipe(Effect.timeout(Duration.seconds(8)))
        assert.deepStrictEqual(exit, { _tag: "Denied", reason: "You did not accept the rules in time." })
      }).pipe(Effect.scoped))
  })
})

