/**
 * The handler chain with real players in a real limbo (minecraft-protocol, 1.8.8 and 1.21.4):
 * every handler answer, Hold released from outside the handler, complete racing enter,
 * SendToLimbo, strict and lenient name resolution, failing handlers (logged with their plugin,
 * the player gets "Internal error", another player is unaffected), and leaving while held.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Layer, Queue, Scope } from "effect"
import type { Completion, LimboExit, LimboHandler, LimboPlayer, NamedHandler } from "../../src/limbo/LimboHandler.ts"
import type { LimboRequest } from "../../src/limbo/Limbo.ts"
import { LimboHandlers } from "../../src/limbo/LimboHandlers.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { joinLimbo, TestLimbo, testLimboLayer, within } from "./support.ts"

const logs = captureLogs({ annotations: true })
let next: LimboRequest = { handlers: [], entry: { _tag: "InitialConnection", target: "lobby" } }
const named = (name: string, handler: LimboHandler, plugin = "test"): NamedHandler => ({ name, plugin, handler })
const answer = (result: Parameters<LimboPlayer["complete"]>[0] | { readonly _tag: "Hold" }): LimboHandler => ({ enter: () => Effect.succeed(result) })

/** Joins the limbo as `name` with the chain `request`, and returns the player and their visit. */
const visitWith = (request: LimboRequest, name: string, version = "1.8.8") =>
  Effect.gen(function*() {
    next = request
    const limbo = yield* TestLimbo
    const player = yield* joinLimbo(version, limbo.port, name)
    const visit = yield* Queue.take(limbo.visits)
    return { player, visit }
  })

const exitOf = (visit: { readonly exited: Deferred.Deferred<LimboExit> }) => Deferred.await(visit.exited).pipe(Effect.timeout("10 seconds"))

const services = testLimboLayer(() => Effect.sync(() => next), { keepAliveInterval: "200 millis" }).pipe(Layer.provideMerge(logs.layer))

layer(services, { timeout: 60_000, excludeTestServices: true })("limbo handler chain", (it) => {
  describe("answers", () => {
    it.effect("Accept, Accept: Completed to the entry's target, handlers in order", () =>
      Effect.gen(function*() {
        const order: Array<string> = []
        const accept = (n: string): LimboHandler => ({ enter: () => Effect.sync(() => (order.push(n), { _tag: "Accept" } as const)) })
        const { visit } = yield* visitWith({ handlers: [named("a", accept("a")), named("b", accept("b"))], entry: { _tag: "KickedFromServer", server: "survival", reason: "restart" } }, "Accepting")
        assert.deepStrictEqual(yield* exitOf(visit), { _tag: "Completed", target: "survival" })
        assert.deepStrictEqual(order, ["a", "b"])
      }).pipe(Effect.scoped))

    it.effect("Deny ends the chain; the caller's kick shows the reason", () =>
      Effect.gen(function*() {
        const never: LimboHandler = { enter: () => Effect.die(new Error("must not run after a Deny")) }
        const { player, visit } = yield* visitWith({ handlers: [named("deny", answer({ _tag: "Deny", reason: "Not today" })), named("never", never)], entry: { _tag: "PluginRedirect", from: "hub" } }, "Denied")
        assert.deepStrictEqual(yield* exitOf(visit), { _tag: "Denied", reason: "Not today" })
        yield* visit.kick("Not today")
        assert.include(yield* within("the kick", () => player.kicked), "Not today")
      }).pipe(Effect.scoped))

    it.effect("Redirect names the server", () =>
      Effect.gen(function*() {
        const { visit } = yield* visitWith({ handlers: [named("go", answer({ _tag: "Redirect", server: "survival" }))], entry: { _tag: "PluginRedirect", from: undefined } }, "Redirected", "1.21.4")
        assert.deepStrictEqual(yield* exitOf(visit), { _tag: "Redirect", server: "survival" })
      }).pipe(Effect.scoped))

    it.effect("Hold waits until the plugin completes it; a second complete is refused", () =>
      Effect.gen(function*() {
        const held = Deferred.makeUnsafe<LimboPlayer>()
        const holder: LimboHandler = { enter: (p) => Effect.as(Deferred.succeed(held, p), { _tag: "Hold" } as const) }
        const { player, visit } = yield* visitWith({ handlers: [named("hold", holder)], entry: { _tag: "InitialConnection", target: "lobby" } }, "Held")
        const handle = yield* Deferred.await(held)
        // Held across keep-alives: nothing ends the visit by itself.
        yield* within("keep-alives while held", () => player.keepAlivesReached(2))
        assert.isFalse(yield* Deferred.isDone(visit.exited))
        assert.isTrue(yield* handle.complete({ _tag: "Redirect", server: "games" }))
        assert.deepStrictEqual(yield* exitOf(visit), { _tag: "Redirect", server: "games" })
        assert.isFalse(yield* handle.complete({ _tag: "Accept" }))
      }).pipe(Effect.scoped))

    it.effect("complete while enter still runs wins over what enter returns", () =>
      Effect.gen(function*() {
        const early: LimboHandler = { enter: (p) => Effect.as(p.complete({ _tag: "Deny", reason: "early" }), { _tag: "Accept" } as const) }
        const { visit } = yield* visitWith({ handlers: [named("early", early)], entry: { _tag: "InitialConnection", target: "lobby" } }, "Early")
        assert.deepStrictEqual(yield* exitOf(visit), { _tag: "Denied", reason: "early" })
      }).pipe(Effect.scoped))
  })

  describe("names", () => {
    it.effect("strict refuses a list with an unknown name; lenient skips it; nothing known is refused in both", () =>
      Effect.gen(function*() {
        const handlers = yield* LimboHandlers
        const scope = yield* Scope.make()
        yield* Scope.provide(scope)(handlers.register("auth", "auth", answer({ _tag: "Accept" })))
        assert.deepStrictEqual(yield* handlers.resolve(["auth", "queue"], "strict"), { _tag: "Refused", unknown: ["queue"] })
        const lenient = yield* handlers.resolve(["auth", "queue"], "lenient")
        assert.deepStrictEqual(lenient._tag === "Resolved" ? lenient.handlers.map((h) => `${h.plugin}/${h.name}`) : lenient, ["auth/auth"])
        assert.deepStrictEqual(yield* handlers.resolve(["queue"], "lenient"), { _tag: "Refused", unknown: ["queue"] })
        assert.deepStrictEqual(yield* handlers.resolve([], "strict"), { _tag: "Refused", unknown: [] })
        assert.isTrue(logs.lines.some((l) => l.level === "Warn" && l.message.includes("unknown limbo handlers skipped: 'queue'")))
        // A name belongs to one plugin; it is free again when that plugin's scope closes.
        const taken = yield* Effect.exit(Scope.provide(scope)(handlers.register("other", "auth", answer({ _tag: "Accept" }))))
        assert.isTrue(Exit.isFailure(taken) && String(Exit.isFailure(taken) ? taken.cause : "").includes("taken by plugin 'auth'"))
        yield* Scope.close(scope, Exit.void)
        assert.deepStrictEqual(yield* handlers.list, [])
      }))

    it.effect("SendToLimbo replaces the rest of the chain (lenient); with nothing known it is Denied", () =>
      Effect.gen(function*() {
        const handlers = yield* LimboHandlers
        const ran: Array<string> = []
        yield* handlers.register("test", "second", { enter: () => Effect.sync(() => (ran.push("second"), { _tag: "Accept" } as const)) })
        const never: LimboHandler = { enter: () => Effect.die(new Error("replaced: must not run")) }
        const send = (names: ReadonlyArray<string>) => answer({ _tag: "SendToLimbo", handlers: names })
        const first = yield* visitWith({ handlers: [named("send", send(["missing", "second"])), named("never", never)], entry: { _tag: "InitialConnection", target: "lobby" } }, "Sent")
        assert.deepStrictEqual(yield* exitOf(first.visit), { _tag: "Completed", target: "lobby" })
        assert.deepStrictEqual(ran, ["second"])
        const second = yield* visitWith({ handlers: [named("send", send(["missing"]))], entry: { _tag: "InitialConnection", target: "lobby" } }, "SentNowhere")
        assert.deepStrictEqual(yield* exitOf(second.visit), { _tag: "Denied", reason: "No limbo handlers configured" })
      }).pipe(Effect.scoped))
  })

  describe("failures", () => {
    it.effect("a failing, a throwing and a failing chat handler give Internal error, logged with the plugin; others go on", () =>
      Effect.gen(function*() {
        const bystander = Deferred.makeUnsafe<LimboPlayer>()
        const calm = yield* visitWith({ handlers: [named("calm", { enter: (p) => Effect.as(Deferred.succeed(bystander, p), { _tag: "Hold" } as const) })], entry: { _tag: "InitialConnection", target: "lobby" } }, "Bystander")

        const failing = yield* visitWith({ handlers: [named("boom", { enter: () => Effect.fail("no database") }, "flaky")], entry: { _tag: "InitialConnection", target: "lobby" } }, "Failing")
        assert.deepStrictEqual(yield* exitOf(failing.visit), { _tag: "Denied", reason: "Internal error" })
        const throwing = yield* visitWith({ handlers: [named("throw", { enter: () => Effect.sync(() => { throw new Error("bug") }) }, "buggy")], entry: { _tag: "InitialConnection", target: "lobby" } }, "Throwing", "1.21.4")
        assert.deepStrictEqual(yield* exitOf(throwing.visit), { _tag: "Denied", reason: "Internal error" })
        const chatty: LimboHandler = { enter: () => Effect.succeed({ _tag: "Hold" } as const), chat: () => Effect.fail("cannot parse") }
        const chat = yield* visitWith({ handlers: [named("chatty", chatty, "parser")], entry: { _tag: "InitialConnection", target: "lobby" } }, "Chatty")
        chat.player.client.chat("/login x")
        assert.deepStrictEqual(yield* exitOf(chat.visit), { _tag: "Denied", reason: "Internal error" })

        for (const [plugin, name] of [["flaky", "boom"], ["buggy", "throw"], ["parser", "chatty"]]) {
          assert.isTrue(logs.lines.some((l) => l.level === "Error" && l.message.includes(`limbo handler '${name}' of plugin '${plugin}' failed`) && l.message.includes(`plugin=${plugin}`)), `${plugin} logged`)
        }
        // The bystander is still held, answering keep-alives, and completes normally.
        const n = calm.player.keepAlives()
        yield* within("the bystander's keep-alives", () => calm.player.keepAlivesReached(n + 1))
        yield* (yield* Deferred.await(bystander)).complete({ _tag: "Accept" } satisfies Completion)
        assert.deepStrictEqual(yield* exitOf(calm.visit), { _tag: "Completed", target: "lobby" })
      }).pipe(Effect.scoped))

    it.effect("a player who leaves while held: the handler's leave runs, the exit is Left", () =>
      Effect.gen(function*() {
        const left = Deferred.makeUnsafe<string>()
        const holder: LimboHandler = { enter: () => Effect.succeed({ _tag: "Hold" } as const), leave: (p) => Deferred.succeed(left, p.name) }
        const { player, visit } = yield* visitWith({ handlers: [named("hold", holder)], entry: { _tag: "InitialConnection", target: "lobby" } }, "Leaver")
        player.client.end("bye")
        assert.strictEqual((yield* exitOf(visit))._tag, "Left")
        assert.strictEqual(yield* Deferred.await(left), "Leaver")
      }).pipe(Effect.scoped))
  })
})
