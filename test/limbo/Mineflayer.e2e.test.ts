/**
 * mineflayer bots (stricter than minecraft-protocol: they build a world model from the registries
 * and Join Game, and `spawn` fires only on health) spawn in the limbo, read its chat line, and
 * their chat reaches the holding handler.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Deferred, Effect, Queue } from "effect"
import mineflayer from "mineflayer"
import type { LimboHandler, LimboPlayer } from "../../src/limbo/LimboHandler.ts"
import { TestLimbo, testLimboLayer, within } from "./support.ts"

const VERSIONS = ["1.8.8", "1.12.2", "1.16.5", "1.18.2", "1.20.1", "1.20.4", "1.21.1", "1.21.4"]
const said = new Map<string, Deferred.Deferred<string>>()
const held = new Map<string, LimboPlayer>()

const greeter: LimboHandler = {
  enter: (player) => Effect.sync(() => held.set(player.name, player)).pipe(Effect.andThen(player.message("limbo says hi")), Effect.as({ _tag: "Hold" } as const)),
  chat: (player, input) => Effect.as(Deferred.succeed(said.get(player.name)!, input.message), "consumed" as const)
}
const request = () => Effect.succeed({ handlers: [{ name: "greeter", plugin: "test", handler: greeter }], entry: { _tag: "InitialConnection", target: "lobby" } as const })

layer(testLimboLayer(request), { timeout: 60_000, excludeTestServices: true })("limbo: mineflayer", (it) => {
  describe("spawns", () => {
    for (const version of VERSIONS) {
      it.effect(`${version}: spawn, a chat line, chat back`, () =>
        Effect.gen(function*() {
          const limbo = yield* TestLimbo
          const name = `Bot${version.replaceAll(".", "")}`
          said.set(name, Deferred.makeUnsafe<string>())
          const bot = yield* Effect.acquireRelease(
            Effect.sync(() => mineflayer.createBot({ host: "127.0.0.1", port: limbo.port, username: name, version, auth: "offline", hideErrors: true } as mineflayer.BotOptions)),
            (b) => Effect.sync(() => b.quit())
          )
          const messages: Array<string> = []
          bot.on("message", (m) => {
            messages.push(m.toString())
          })
          const spawned = new Promise<void>((resolve, reject) => {
            bot.once("spawn", () => resolve())
            bot.once("kicked", (reason) => reject(new Error(`kicked: ${reason}`)))
            bot.once("error", (e) => reject(e))
          })
          yield* within(`${name}'s spawn`, () => spawned)
          const visit = yield* Queue.take(limbo.visits)
          assert.strictEqual((yield* visit.player).name, name)
          assert.strictEqual(bot.game.dimension.replace("minecraft:", ""), "the_end")
          yield* within("the limbo's chat line", () => new Promise<void>((done) => {
            const check = (): void => {
              if (messages.some((m) => m.includes("limbo says hi"))) done()
              else bot.once("message", check)
            }
            check()
          }))
          bot.chat("hi from the bot")
          assert.strictEqual(yield* Deferred.await(said.get(name)!).pipe(Effect.timeout("5 seconds")), "hi from the bot")
          yield* held.get(name)!.complete({ _tag: "Redirect", server: "survival" })
          assert.deepStrictEqual(yield* Deferred.await(visit.exited), { _tag: "Redirect", server: "survival" })
        }).pipe(Effect.scoped), { timeout: 20_000 })
    }
  })
})
