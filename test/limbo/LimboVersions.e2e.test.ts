/**
 * The limbo with a real minecraft-protocol client of every version it speaks (1.7 to the
 * newest): login (and the configuration phase from 1.20.2), Join Game and the spawn position,
 * keep-alives answered across several rounds, a title, chat and action bar from a holding
 * handler, and the player's chat and command back to that handler, which then completes.
 * One limbo on one TCP port serves every version in turn.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Queue } from "effect"
import type { ChatInput, LimboHandler, NamedHandler } from "../../src/limbo/LimboHandler.ts"
import { joinLimbo, TestLimbo, testLimboLayer, VERSIONS, within } from "./support.ts"

/** What the greeter handler heard from each player, by name. */
const heard = new Map<string, Array<ChatInput>>()

/** Greets with a title, a chat line and an action bar, holds, and lets the player go on `/login`. */
const greeter: LimboHandler = {
  enter: (player) =>
    Effect.gen(function*() {
      heard.set(player.name, [])
      yield* player.title({ title: "In limbo", subtitle: "please wait" })
      yield* player.message(`Welcome, ${player.name}`)
      yield* player.actionBar("waiting for the lobby")
      return { _tag: "Hold" } as const
    }),
  chat: (player, input) =>
    Effect.gen(function*() {
      heard.get(player.name)?.push(input)
      if (input.command && input.message.startsWith("login ")) {
        yield* player.complete({ _tag: "Accept" })
        return "consumed" as const
      }
      return "pass" as const
    })
}
const chain: ReadonlyArray<NamedHandler> = [{ name: "greeter", plugin: "test", handler: greeter }]

const request = () => Effect.succeed({ handlers: chain, entry: { _tag: "InitialConnection", target: "lobby" } as const })

layer(testLimboLayer(request, { keepAliveInterval: "150 millis" }), { timeout: 60_000, excludeTestServices: true })("limbo: every version", (it) => {
  describe("one limbo", () => {
    for (const version of VERSIONS) {
      it.effect(`${version}: login, spawn, keep-alives, title/chat/action bar, chat and command back`, () =>
        Effect.gen(function*() {
          const limbo = yield* TestLimbo
          const name = `P${version.replaceAll(".", "_")}`.slice(0, 16)
          const player = yield* joinLimbo(version, limbo.port, name)
          const visit = yield* Queue.take(limbo.visits)
          const identity = yield* visit.player
          assert.strictEqual(identity.name, name)
          yield* within("the spawn position", () => new Promise<void>((done) => {
            const check = () => (player.packets.includes("position") ? done() : setTimeout(check, 20))
            check()
          }))
          yield* within("3 keep-alives", () => player.keepAlivesReached(3))
          yield* within("the welcome line", () => player.sawText(`Welcome, ${name}`))
          yield* within("the action bar", () => player.sawText("waiting for the lobby"))
          if (version !== "1.7") yield* within("the title", () => player.sawText("In limbo"))
          player.client.chat("hello limbo")
          player.client.chat("/login secret")
          const exit = yield* Deferred.await(visit.exited).pipe(Effect.timeout("10 seconds"))
          assert.deepStrictEqual(exit, { _tag: "Completed", target: "lobby" })
          assert.deepStrictEqual(heard.get(name), [{ message: "hello limbo", command: false }, { message: "login secret", command: true }])
          // Still in the world after the exit (keep-alives go on): the caller decides what happens next.
          yield* within("a keep-alive after the exit", () => player.keepAlivesReached(player.keepAlives() + 1))
        }).pipe(Effect.scoped), { timeout: 20_000 })
    }
  })
})
