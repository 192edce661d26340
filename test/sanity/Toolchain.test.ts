import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { TestClock } from "effect/testing"

class Boom extends Schema.TaggedError<Boom>()("Boom", { why: Schema.String }) {}

describe("toolchain", () => {
  it("runs on node 24", () => {
    assert.isTrue(Number(process.versions.node.split(".")[0]) >= 24)
  })
  it.effect("TestClock drives timeouts", () =>
    Effect.gen(function*() {
      const fiber = yield* Effect.sleep("5 seconds").pipe(Effect.as(1), Effect.forkChild)
      yield* TestClock.adjust("5 seconds")
      const e = yield* Effect.fail(new Boom({ why: "x" })).pipe(Effect.flip)
      assert.strictEqual(e._tag, "Boom")
      void fiber
    }))
})
