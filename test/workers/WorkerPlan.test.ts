import { assert, describe, it } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect } from "effect"
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as NodePath from "node:path"
import { planWorkers, usesLimboHandlers } from "../../src/workers/WorkerPlan.ts"

describe("worker_threads", () => {
  const linux = { cores: 8, reusePort: true }
  it("0 = one worker per core; N = N", () => {
    assert.deepStrictEqual(planWorkers(0, linux), { _tag: "Workers", count: 8, requested: 0 })
    assert.deepStrictEqual(planWorkers(3, linux), { _tag: "Workers", count: 3, requested: 3 })
  })
  it("0 on 2 cores or fewer is one process, with the reason as a note (measured faster there)", () => {
    const plan = planWorkers(0, { cores: 2, reusePort: true })
    assert.strictEqual(plan._tag, "Single")
    assert.isUndefined(plan._tag === "Single" ? plan.reason : "workers")
    assert.match(plan._tag === "Single" ? plan.note ?? "" : "", /^worker_threads = 0 on 2 CPU cores: one process/)
    assert.deepStrictEqual(planWorkers(0, { cores: 3, reusePort: true }), { _tag: "Workers", count: 3, requested: 0 })
    assert.deepStrictEqual(planWorkers(2, { cores: 2, reusePort: true }), { _tag: "Workers", count: 2, requested: 2 })
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
  it("servers with limbo handlers keep the default in one process (their handlers run there); an explicit count stays", () => {
    const plan = planWorkers(0, linux, true)
    assert.strictEqual(plan._tag, "Single")
    assert.include(plan._tag === "Single" ? plan.reason : "", "limbo_handlers")
    assert.deepStrictEqual(planWorkers(3, linux, true), { _tag: "Workers", count: 3, requested: 3 })
  })
  it.effect("usesLimboHandlers reads the servers directory (unparseable files count as none)", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(NodePath.join(tmpdir(), "plan-"))
      writeFileSync(NodePath.join(dir, "a.toml"), `domains = ["a.test"]\naddresses = ["127.0.0.1:1"]\nproxy_mode = "offline"`)
      writeFileSync(NodePath.join(dir, "broken.toml"), `limbo_handlers = [`)
      assert.isFalse(yield* usesLimboHandlers(dir))
      writeFileSync(NodePath.join(dir, "b.toml"), `domains = ["b.test"]\naddresses = ["127.0.0.1:1"]\nproxy_mode = "offline"\nlimbo_handlers = ["queue"]`)
      assert.isTrue(yield* usesLimboHandlers(dir))
      assert.isFalse(yield* usesLimboHandlers(NodePath.join(dir, "missing")))
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
