/**
 * A fiber's log annotations: added to as a connection learns its client, server and player,
 * without changing what earlier lines carried or what another fiber carries.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber, References } from "effect"
import { annotateFiberLogs } from "../../src/observability/FiberLogs.ts"
import { captureLogs } from "../support/LogCapture.ts"

describe("annotateFiberLogs", () => {
  it.effect("adds to the fiber's annotations; a line keeps what it had when it was written", () => {
    const logs = captureLogs({ annotations: true })
    return Effect.gen(function*() {
      yield* annotateFiberLogs({ client: "10.0.0.1" })
      yield* Effect.logInfo("first")
      yield* annotateFiberLogs({ server: "lobby" })
      yield* annotateFiberLogs({ player: "Steve", client: "10.0.0.2" })
      yield* Effect.logInfo("second")
      assert.deepStrictEqual(logs.lines.map((l) => l.annotations), [
        { client: "10.0.0.1" },
        { client: "10.0.0.2", server: "lobby", player: "Steve" }
      ])
      assert.deepStrictEqual(Object.keys(yield* References.CurrentLogAnnotations), ["client", "server", "player"])
    }).pipe(Effect.provide(logs.layer))
  })

  it.effect("a fiber's later annotations stay its own; a child's own annotations do not reach its parent", () => {
    const logs = captureLogs({ annotations: true })
    return Effect.gen(function*() {
      yield* annotateFiberLogs({ client: "10.0.0.1" })
      const child = yield* Effect.forkChild(Effect.gen(function*() {
        yield* annotateFiberLogs({ plugin: "p" })
        yield* Effect.logInfo("child")
      }))
      yield* Fiber.join(child)
      yield* Effect.logInfo("parent")
      assert.deepStrictEqual(logs.lines.map((l) => [l.message.split(" ")[0], l.annotations]), [
        ["child", { client: "10.0.0.1", plugin: "p" }],
        ["parent", { client: "10.0.0.1" }]
      ])
    }).pipe(Effect.provide(logs.layer))
  })

  it.effect("annotations provided from outside are copied, never changed", () => {
    const outside = { worker: 1 }
    return Effect.gen(function*() {
      yield* annotateFiberLogs({ client: "10.0.0.1" })
      yield* annotateFiberLogs({ player: "Alex" })
      assert.deepStrictEqual(outside, { worker: 1 })
      assert.deepStrictEqual({ ...(yield* References.CurrentLogAnnotations) }, { worker: 1, client: "10.0.0.1", player: "Alex" })
    }).pipe(Effect.provideService(References.CurrentLogAnnotations, outside))
  })
})
