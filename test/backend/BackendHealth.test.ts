/**
 * The health state machine: thresholds in both directions, one transition per change, and the
 * passive retry window.
 */
import { assert, describe, it } from "@effect/vitest"
import { type HealthState, initialHealth, inRotation, observe, type Observation } from "../../src/backend/BackendHealth.ts"

const thresholds = { unhealthyAfter: 3, healthyAfter: 2 }
const fail: Observation = { ok: false, reason: "refused" }
const ok: Observation = { ok: true }

const run = (observations: ReadonlyArray<Observation>, start: HealthState = initialHealth(0)) => {
  let state = start
  const transitions: Array<string> = []
  observations.forEach((o, i) => {
    const r = observe(state, o, thresholds, i + 1)
    state = r.state
    if (r.transition !== undefined) transitions.push(`${i}:${r.transition}`)
  })
  return { state, transitions }
}

describe("BackendHealth", () => {
  it("a new backend is healthy and in rotation", () => {
    assert.isTrue(initialHealth(5).healthy)
    assert.isTrue(inRotation(undefined, 0, undefined))
  })

  it("goes down after unhealthy_after failures in a row, once", () => {
    const r = run([fail, fail, fail, fail, fail, fail])
    assert.deepStrictEqual(r.transitions, ["2:down"])
    assert.isFalse(r.state.healthy)
    assert.strictEqual(r.state.lastFailure, "refused")
  })

  it("a success in between resets the failure count", () => {
    assert.deepStrictEqual(run([fail, fail, ok, fail, fail, ok]).transitions, [])
  })

  it("comes back after healthy_after successes in a row; a failure restarts the count", () => {
    const r = run([fail, fail, fail, ok, fail, ok, ok, ok])
    assert.deepStrictEqual(r.transitions, ["2:down", "6:up"])
    assert.isTrue(r.state.healthy)
    assert.strictEqual(r.state.failures, 0)
  })

  it("passive retry: an unhealthy backend is offered again once the retry time has passed", () => {
    const down = run([fail, fail, fail]).state
    assert.isFalse(inRotation(down, 3 + 9_999, 10_000))
    assert.isTrue(inRotation(down, 3 + 10_000, 10_000))
    // Active checks have no retry window: only checks bring a backend back.
    assert.isFalse(inRotation(down, 1e12, undefined))
  })
})
