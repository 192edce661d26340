/**
 * A wait under a deadline with one plain timer: whichever of the event, the deadline or an
 * interruption comes first decides, the others are cleaned up, and no timer outlives the wait.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber } from "effect"
import { EventEmitter } from "node:events"
import { callbackWithin } from "../../src/socket/Deadline.ts"

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length

/** Waits for `emitter`'s "done" under `ms`; counts cleanups. */
const waitFor = (emitter: EventEmitter, ms: number, cleanups: { n: number }) =>
  callbackWithin<string, never, string, never>((resume) => {
    const onDone = (value: string) => resume(Effect.succeed(value))
    emitter.once("done", onDone)
    return () => {
      cleanups.n++
      emitter.off("done", onDone)
    }
  }, ms, () => Effect.succeed("timed out"))

/** A wait of 60 s started in its own fiber, with the timers that existed before it. */
const started = Effect.gen(function*() {
  const emitter = new EventEmitter()
  const cleanups = { n: 0 }
  const before = timers()
  const fiber = yield* Effect.forkChild(waitFor(emitter, 60_000, cleanups))
  yield* Effect.yieldNow
  return { emitter, cleanups, before, fiber }
})

describe("callbackWithin", () => {
  it.live("the event first: its value, the timer cleared", () =>
    Effect.gen(function*() {
      const { before, emitter, fiber } = yield* started
      assert.strictEqual(timers(), before + 1)
      emitter.emit("done", "event")
      assert.strictEqual(yield* Fiber.join(fiber), "event")
      assert.strictEqual(timers(), before)
      assert.strictEqual(emitter.listenerCount("done"), 0)
    }))

  it.live("the deadline first: onTimeout's answer, the listener removed", () =>
    Effect.gen(function*() {
      const emitter = new EventEmitter()
      const cleanups = { n: 0 }
      assert.strictEqual(yield* waitFor(emitter, 20, cleanups), "timed out")
      assert.strictEqual(cleanups.n, 1)
      assert.strictEqual(emitter.listenerCount("done"), 0)
      // A late event changes nothing.
      emitter.emit("done", "late")
    }))

  it.live("an interruption: the listener removed and the timer cleared", () =>
    Effect.gen(function*() {
      const { before, cleanups, emitter, fiber } = yield* started
      yield* Fiber.interrupt(fiber)
      assert.strictEqual(cleanups.n, 1)
      assert.strictEqual(emitter.listenerCount("done"), 0)
      assert.strictEqual(timers(), before)
    }))

  it.live("settled while registering: no timer at all; a zero deadline waits as long as it takes", () =>
    Effect.gen(function*() {
      const before = timers()
      const now = yield* callbackWithin<string, never, string, never>((resume) => resume(Effect.succeed("at once")), 60_000, () => Effect.succeed("timed out"))
      assert.strictEqual(now, "at once")
      assert.strictEqual(timers(), before)
      const emitter = new EventEmitter()
      const released = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkChild(waitFor(emitter, 0, { n: 0 }))
      yield* Effect.yieldNow
      assert.strictEqual(timers(), before, "no timer for a zero deadline")
      setImmediate(() => (emitter.emit("done", "eventually"), Deferred.doneUnsafe(released, Effect.void)))
      yield* Deferred.await(released)
      assert.strictEqual(yield* Fiber.join(fiber), "eventually")
    }))
})
