import { assert, describe, it } from "@effect/vitest"
import { planWorkers } from "../../src/workers/WorkerPlan.ts"

describe("worker_threads", () => {
  const linux = { cores: 8, reusePort: true }
  it("0 = one worker per core; N = N", () => {
    assert.deepStrictEqual(planWorkers(0, linux), { _tag: "Workers", count: 8, requested: 0 })
    assert.deepStrictEqual(planWorkers(3, linux), { _tag: "Workers", count: 3, requested: 3 })
  })
  it("one worker, or one core, is today's single process, without a word", () => {
    assert.deepStrictEqual(planWorkers(1, linux), { _tag: "Single", requested: 1, reason: undefined })
    assert.deepStrictEqual(planWorkers(0, { cores: 1, reusePort: true }), { _tag: "Single", requested: 0, reason: undefined })
  })
  it("without SO_REUSEPORT: one process, and the reason", () => {
    const plan = planWorkers(4, { cores: 8, reusePort: false })
    assert.strictEqual(plan._tag, "Single")
    assert.include(plan._tag === "Single" ? plan.reason : "", "SO_REUSEPORT is not supported")
    assert.deepStrictEqual(planWorkers(1, { cores: 8, reusePort: false }), { _tag: "Single", requested: 1, reason: undefined })
  })
  it("a huge count is capped", () => {
    assert.deepStrictEqual(planWorkers(100_000, linux), { _tag: "Workers", count: 256, requested: 100_000 })
  })
})
