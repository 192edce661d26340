/**
 * Keep-alives on a fake clock (Effect's TestClock drives the limbo; the players are real
 * minecraft-protocol clients): one player answers, one never does. After 10 s both get a
 * keep-alive; 15 s later the silent one is disconnected with "Timed out" (its visit ends Left)
 * while the other stays and gets the next one.
 */
import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Queue } from "effect"
import { TestClock } from "effect/testing"
import type { LimboHandler } from "../../src/limbo/LimboHandler.ts"
import { joinLimbo, TestLimbo, testLimboLayer, within } from "./support.ts"

const pinged = Deferred.makeUnsafe<void>()
const listener: LimboHandler = {
  enter: () => Effect.succeed({ _tag: "Hold" } as const),
  chat: () => Effect.as(Deferred.succeed(pinged, undefined), "consumed" as const)
}
const request = () => Effect.succeed({ handlers: [{ name: "listen", plugin: "test", handler: listener }], entry: { _tag: "InitialConnection", target: "lobby" } as const })

// Default timings: a keep-alive every 10 s, 15 s to answer it.
layer(testLimboLayer(request), { timeout: 30_000 })("limbo keep-alives", (it) => {
  it.effect("a player that never answers is disconnected 15 s after the keep-alive; one that answers stays", () =>
    Effect.gen(function*() {
      const limbo = yield* TestLimbo
      const answering = yield* joinLimbo("1.8.8", limbo.port, "Answering")
      const answeringVisit = yield* Queue.take(limbo.visits)
      const silent = yield* joinLimbo("1.12.2", limbo.port, "Silent", { answerKeepAlives: false })
      const silentVisit = yield* Queue.take(limbo.visits)
      yield* answeringVisit.player
      yield* silentVisit.player

      yield* TestClock.adjust("10 seconds")
      yield* within("the first keep-alives", () => Promise.all([answering.keepAlivesReached(1), silent.keepAlivesReached(1)]))
      // The answer is on the wire before this chat line (TCP keeps the order): once the limbo
      // read the chat, it has read the answer.
      answering.client.chat("ping")
      yield* Deferred.await(pinged)

      yield* TestClock.adjust("14 seconds")
      assert.isFalse(yield* Deferred.isDone(silentVisit.exited), "not before 15 s")
      yield* TestClock.adjust("1 second")
      assert.include(yield* within("the silent player's kick", () => silent.kicked), "Timed out")
      assert.strictEqual((yield* Deferred.await(silentVisit.exited))._tag, "Left")

      yield* within("the answering player's next keep-alive", () => answering.keepAlivesReached(2))
      assert.isFalse(yield* Deferred.isDone(answeringVisit.exited))
    }).pipe(Effect.scoped))
})
