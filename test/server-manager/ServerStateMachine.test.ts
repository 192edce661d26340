/**
 * The pure lifecycle rules: each scenario a login or a panel can produce, and properties over
 * arbitrary event sequences (one attempt at a time, every attempt settled exactly once, one
 * provider start per attempt, unknown reports and failed polls never change a state).
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import type { ProviderReport, ProviderState } from "../../src/server-manager/ServerProvider.ts"
import {
  initialMachine,
  type Machine,
  type MachineAction,
  type MachineEvent,
  type MachineSettings,
  nextIdleCheckAt,
  nextPollAt,
  transition
} from "../../src/server-manager/ServerStateMachine.ts"

const settings: MachineSettings = {
  startTimeoutMs: 60_000,
  shutdownAfterMs: 600_000,
  stopTimeoutMs: 60_000,
  pollFastMs: 5_000,
  pollSlowMs: 30_000
}

/** Runs events from a fresh machine at the given times; returns the machine and every action. */
const run = (events: ReadonlyArray<readonly [number, MachineEvent]>, s: MachineSettings = settings) => {
  let machine: Machine = initialMachine(0)
  const actions: Array<MachineAction> = []
  const replies: Array<unknown> = []
  for (const [now, event] of events) {
    const step = transition(machine, event, now, s)
    machine = step.machine
    actions.push(...step.actions)
    if (step.reply !== undefined) replies.push(step.reply)
  }
  return { machine, actions, replies }
}

const observed = (state: ProviderState, players = 0): MachineEvent => ({ _tag: "Observed", report: { state }, players })
const tags = (actions: ReadonlyArray<MachineAction>) => actions.map((a) => a._tag)
const settles = (actions: ReadonlyArray<MachineAction>) =>
  actions.flatMap((a) => (a._tag === "Settle" ? [a.outcome._tag] : []))

describe("ServerStateMachine", () => {
  it("first poll: stopped is sleeping, running is online, unknown stays unknown", () => {
    assert.strictEqual(run([[1, observed("stopped")]]).machine.state, "sleeping")
    assert.strictEqual(run([[1, observed("running")]]).machine.state, "online")
    assert.strictEqual(run([[1, observed("unknown")]]).machine.state, "unknown")
    assert.strictEqual(run([[1, { _tag: "Observed", report: undefined, players: 0 }]]).machine.state, "unknown")
  })

  it("a wake starts once; later wakes join; a stale report before the launch changes nothing", () => {
    const r = run([
      [0, observed("stopped")],
      [10, { _tag: "Wake" }],
      [11, { _tag: "Wake" }],
      [12, observed("crashed")], // the previous run's crash, read before the start was accepted
      [13, { _tag: "Launched", attempt: 1 }],
      [14, observed("starting")],
      [20, observed("running")]
    ])
    assert.deepStrictEqual(tags(r.actions).filter((t) => t === "Launch"), ["Launch"])
    assert.deepStrictEqual(r.replies, [{ _tag: "Join", attempt: 1 }, { _tag: "Join", attempt: 1 }])
    assert.deepStrictEqual(settles(r.actions), ["Ready"])
    assert.strictEqual(r.machine.state, "online")
    assert.strictEqual(r.machine.since, 20)
  })

  it("a crash after the launch settles Crashed with the provider's detail", () => {
    const r = run([[0, observed("stopped")], [1, { _tag: "Wake" }], [2, { _tag: "Launched", attempt: 1 }], [3, {
      _tag: "Observed",
      report: { state: "crashed", detail: "exited with code 3" },
      players: 0
    }]])
    assert.strictEqual(r.machine.state, "crashed")
    assert.strictEqual(r.machine.detail, "exited with code 3")
    const settle = r.actions.find((a) => a._tag === "Settle")
    assert.deepStrictEqual(settle?._tag === "Settle" ? settle.outcome : undefined, {
      _tag: "Crashed",
      message: "The server could not be started. Please try again later.",
      detail: "exited with code 3"
    })
  })

  it("a panel's 'stopped' right after a start is lag; after 'starting' it is a crash", () => {
    const lag = run([[0, observed("stopped")], [1, { _tag: "Wake" }], [2, { _tag: "Launched", attempt: 1 }], [3, observed("stopped")]])
    assert.strictEqual(lag.machine.state, "starting")
    const died = run([
      [0, observed("stopped")],
      [1, { _tag: "Wake" }],
      [2, { _tag: "Launched", attempt: 1 }],
      [3, observed("starting")],
      [4, observed("stopped")]
    ])
    assert.strictEqual(died.machine.state, "crashed")
    assert.deepStrictEqual(settles(died.actions), ["Crashed"])
  })

  it("a start error is a crash; the next wake tries again", () => {
    const r = run([
      [0, observed("stopped")],
      [1, { _tag: "Wake" }],
      [2, { _tag: "StartFailed", attempt: 1, detail: "Unauthorized: POST answered 401" }],
      [3, { _tag: "Wake" }]
    ])
    assert.deepStrictEqual(settles(r.actions), ["Crashed"])
    assert.strictEqual(r.machine.state, "starting")
    assert.deepStrictEqual(tags(r.actions).filter((t) => t === "Launch").length, 2)
  })

  it("the deadline settles TimedOut, stops the attempt and ends crashed; wakes meanwhile get Stopping", () => {
    const r = run([
      [0, observed("stopped")],
      [1, { _tag: "Wake" }],
      [2, { _tag: "Launched", attempt: 1 }],
      [60_001, { _tag: "Deadline", attempt: 1 }],
      [60_002, { _tag: "Wake" }],
      [60_003, { _tag: "StopFinished", ok: true, detail: "" }],
      [60_004, observed("stopped")]
    ])
    assert.deepStrictEqual(settles(r.actions), ["TimedOut"])
    assert.include(tags(r.actions), "RequestStop")
    assert.strictEqual((r.replies[1] as { outcome: { _tag: string } }).outcome._tag, "Stopping")
    assert.strictEqual(r.machine.state, "crashed")
    assert.strictEqual(r.machine.detail, "not ready within 1m")
  })

  it("a deadline for an attempt that already ended is ignored", () => {
    const r = run([
      [0, observed("stopped")],
      [1, { _tag: "Wake" }],
      [2, { _tag: "Launched", attempt: 1 }],
      [3, observed("running")],
      [60_001, { _tag: "Deadline", attempt: 1 }]
    ])
    assert.strictEqual(r.machine.state, "online")
    assert.deepStrictEqual(settles(r.actions), ["Ready"])
  })

  it("idle: players keep it up; shutdown_after without players stops it; a panel must confirm the stop", () => {
    const r = run([
      [0, observed("running")],
      [500_000, observed("running", 2)],
      [1_000_000, observed("running", 0)], // 500 s after players were last seen: not yet
      [1_100_000, observed("running", 0)], // 600 s: stop
      [1_100_001, { _tag: "StopFinished", ok: true, detail: "" }],
      [1_100_002, observed("stopping")],
      [1_100_003, observed("stopped")]
    ])
    assert.deepStrictEqual(tags(r.actions).filter((t) => t === "RequestStop").length, 1)
    assert.strictEqual(r.machine.state, "sleeping")
  })

  it("no shutdown_after: never stopped for idleness", () => {
    const r = run([[0, observed("running")], [1e9, observed("running")]], { ...settings, shutdownAfterMs: undefined })
    assert.strictEqual(r.machine.state, "online")
    assert.notInclude(tags(r.actions), "RequestStop")
  })

  it("a failed idle stop keeps the server online and waits another idle period", () => {
    const r = run([
      [0, observed("running")],
      [600_000, observed("running")],
      [600_001, { _tag: "StopFinished", ok: false, detail: "HttpStatus: 500" }],
      [600_002, observed("running")],
      [1_199_000, observed("running")]
    ])
    assert.strictEqual(r.machine.state, "online")
    assert.strictEqual(tags(r.actions).filter((t) => t === "RequestStop").length, 1)
    assert.strictEqual(run([
      [0, observed("running")],
      [600_000, observed("running")],
      [600_001, { _tag: "StopFinished", ok: false, detail: "" }],
      [1_200_001, observed("running")]
    ]).actions.filter((a) => a._tag === "RequestStop").length, 2)
  })

  it("a panel that ignores a stop is believed online again after stop timeout", () => {
    const r = run([
      [0, observed("running")],
      [1, { _tag: "Stop" }],
      [2, { _tag: "StopFinished", ok: true, detail: "" }],
      [30_000, observed("running")],
      [60_002, observed("running")]
    ])
    assert.strictEqual(r.machine.state, "online")
  })

  it("admin stop while starting settles the waiters with Stopping", () => {
    const r = run([[0, observed("stopped")], [1, { _tag: "Wake" }], [2, { _tag: "Stop" }]])
    assert.deepStrictEqual(settles(r.actions), ["Stopping"])
    assert.strictEqual(r.machine.state, "stopping")
    assert.deepStrictEqual(r.replies.at(-1), { _tag: "Accepted" })
    assert.deepStrictEqual(run([[0, observed("stopped")], [1, { _tag: "Stop" }]]).replies, [{ _tag: "Unchanged" }])
  })

  it("changes made outside the proxy are followed; a crash stays visible until a start", () => {
    const r = run([[0, observed("stopped")], [1, observed("starting")], [2, observed("running")], [3, observed("crashed")], [
      4,
      observed("stopped")
    ]])
    assert.strictEqual(r.machine.state, "crashed")
    assert.include(tags(r.actions), "Arm") // an observed start gets a deadline too
    assert.strictEqual(run([[0, observed("crashed")], [1, observed("running")]]).machine.state, "online")
  })

  it("polls fast while a transition is pending, slowly otherwise; idle checks at most 5 s apart", () => {
    const starting = run([[0, observed("stopped")], [1, { _tag: "Wake" }]]).machine
    assert.strictEqual(nextPollAt(starting, 100, settings), 5_100)
    const sleeping = run([[0, observed("stopped")]]).machine
    assert.strictEqual(nextPollAt(sleeping, 100, settings), 30_100)
    assert.strictEqual(nextIdleCheckAt(sleeping, 100, settings), undefined)
    const online = run([[0, observed("running")]]).machine
    assert.strictEqual(nextIdleCheckAt(online, 100, settings), 5_100)
    assert.strictEqual(nextIdleCheckAt(online, 599_000, settings), 600_000)
  })

  const reportArb: fc.Arbitrary<ProviderReport | undefined> = fc.option(
    fc.constantFrom<ProviderState>("running", "starting", "stopping", "stopped", "crashed", "unknown").map((state) => ({ state })),
    { nil: undefined }
  )
  const eventArb: fc.Arbitrary<MachineEvent> = fc.oneof(
    fc.constant<MachineEvent>({ _tag: "Wake" }),
    fc.constant<MachineEvent>({ _tag: "Stop" }),
    fc.integer({ min: 1, max: 6 }).map((attempt): MachineEvent => ({ _tag: "Launched", attempt })),
    fc.integer({ min: 1, max: 6 }).map((attempt): MachineEvent => ({ _tag: "StartFailed", attempt, detail: "x" })),
    fc.integer({ min: 1, max: 6 }).map((attempt): MachineEvent => ({ _tag: "Deadline", attempt })),
    fc.boolean().map((ok): MachineEvent => ({ _tag: "StopFinished", ok, detail: "x" })),
    fc.tuple(reportArb, fc.nat(3)).map(([report, players]): MachineEvent => ({ _tag: "Observed", report, players }))
  )
  const timeline = fc.array(fc.tuple(fc.integer({ min: 0, max: 200_000 }), eventArb), { maxLength: 60 })

  it("property: an attempt exists exactly while starting; each attempt is launched at most once and settled exactly once", () =>
    fc.assert(fc.property(timeline, (steps) => {
      let machine = initialMachine(0)
      let now = 0
      const created = new Set<number>()
      const settled = new Map<number, number>()
      const launched = new Map<number, number>()
      for (const [delta, event] of steps) {
        now += delta
        const step = transition(machine, event, now, settings)
        machine = step.machine
        if (machine.attempt !== undefined) created.add(machine.attempt.id)
        for (const a of step.actions) {
          if (a._tag === "Settle") settled.set(a.attempt, (settled.get(a.attempt) ?? 0) + 1)
          if (a._tag === "Launch") launched.set(a.attempt, (launched.get(a.attempt) ?? 0) + 1)
        }
        if ((machine.state === "starting") !== (machine.attempt !== undefined)) return false
        if (machine.since > now) return false
      }
      const open = machine.attempt?.id
      for (const id of created) if ((settled.get(id) ?? 0) !== (id === open ? 0 : 1)) return false
      for (const id of settled.keys()) if (!created.has(id)) return false
      return [...launched.values()].every((n) => n === 1)
    }), { numRuns: 2000 }))

  it("property: an unknown report or a failed poll never changes the state", () =>
    fc.assert(fc.property(timeline, fc.constantFrom<ProviderReport | undefined>({ state: "unknown" }, undefined), (steps, report) => {
      let machine = initialMachine(0)
      let now = 0
      for (const [delta, event] of steps) {
        now += delta
        machine = transition(machine, event, now, settings).machine
      }
      // No time passes, so idleness cannot be the reason for a change either.
      const after = transition(machine, { _tag: "Observed", report, players: 1 }, now, settings).machine
      return after.state === machine.state
    }), { numRuns: 1000 }))
})
