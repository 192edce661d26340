/**
 * `leave` when the chain is interrupted: a live session that ends with its client's connection
 * interrupts the chain before the limbo reports the departure, and the holding handler must still
 * hear that its player is gone (a queue frees the place, a wait forgets the player); once, even
 * if the departure is reported as well. A `leave` that fails or hangs is logged and bounded.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Queue } from "effect"
import { TestClock } from "effect/testing"
import { LEAVE_ON_INTERRUPT_LIMIT, runChain } from "../../src/limbo/HandlerChain.ts"
import type { ChatInput, LimboHandler, NamedHandler } from "../../src/limbo/LimboHandler.ts"

const port = (left: Effect.Effect<string>) =>
  Effect.map(Queue.unbounded<ChatInput>(), (chats) => ({
    player: {
      name: "Held",
      uuid: "00000000-0000-0000-0000-000000000001",
      protocol: 769,
      entry: { _tag: "InitialConnection", target: "hub" } as const,
      message: () => Effect.succeed(true),
      actionBar: () => Effect.succeed(true),
      title: () => Effect.succeed(true)
    },
    chats,
    left,
    resolve: () => Effect.die("not used")
  }))

const holding = (leave: LimboHandler["leave"]) =>
  Effect.gen(function*() {
    const entered = yield* Deferred.make<void>()
    const handler: NamedHandler = {
      name: "hold",
      plugin: "test",
      handler: { enter: () => Effect.as(Deferred.succeed(entered, undefined), { _tag: "Hold" } as const), ...(leave === undefined ? {} : { leave }) }
    }
    return { handler, entered }
  })

describe("handler chain: leave on interruption", () => {
  it.effect("an interrupted chain calls the holding handler's leave once", () =>
    Effect.gen(function*() {
      let leaves = 0
      const { entered, handler } = yield* holding(() => Effect.sync(() => void leaves++))
      const left = yield* Deferred.make<string>()
      const fiber = yield* Effect.forkChild(runChain([handler], { _tag: "InitialConnection", target: "hub" }, yield* port(Deferred.await(left))))
      yield* Deferred.await(entered)
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(leaves, 1)
    }))

  it.effect("a departure reported first is not followed by a second leave on interruption", () =>
    Effect.gen(function*() {
      let leaves = 0
      const { entered, handler } = yield* holding(() => Effect.sync(() => void leaves++))
      const left = yield* Deferred.make<string>()
      const fiber = yield* Effect.forkChild(runChain([handler], { _tag: "InitialConnection", target: "hub" }, yield* port(Deferred.await(left))))
      yield* Deferred.await(entered)
      yield* Deferred.succeed(left, "disconnected")
      assert.deepStrictEqual(yield* Fiber.join(fiber), { _tag: "Left", reason: "disconnected" })
      assert.strictEqual(leaves, 1)
    }))

  it.effect("a leave that hangs is cut off after the limit", () =>
    Effect.gen(function*() {
      const { entered, handler } = yield* holding(() => Effect.never)
      const fiber = yield* Effect.forkChild(runChain([handler], { _tag: "InitialConnection", target: "hub" }, yield* port(Effect.never)))
      yield* Deferred.await(entered)
      const interrupting = yield* Effect.forkChild(Fiber.interrupt(fiber))
      yield* TestClock.adjust(LEAVE_ON_INTERRUPT_LIMIT)
      yield* Fiber.join(interrupting)
    }))
})
