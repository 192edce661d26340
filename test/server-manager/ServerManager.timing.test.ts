/**
 * The manager's timing rules, on the TestClock with a real HTTP panel (Pterodactyl flavour):
 * fast polling while a transition is pending (including the start it began itself), slow
 * otherwise; start_timeout; shutdown_after counted from the last player seen in the session
 * registry; and a panel that never answers, which costs a bounded wait and wedges nothing.
 *
 * The clock moves in steps; between steps the test lets real time pass for the panel's answers
 * to arrive (TestClock.withLive), so a step never outruns an HTTP exchange.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Clock, Duration, Effect, Exit, Fiber, Scope } from "effect"
import { TestClock } from "effect/testing"
import { ServerManager } from "../../src/server-manager/ServerManager.ts"
import type { StartOutcome } from "../../src/server-manager/StartOutcome.ts"
import { Sessions } from "../../src/session/Sessions.ts"
import { type Panel, panelPeer, type PanelCall } from "./support/Panels.ts"
import { managerLayer, recordChanges, tempDir } from "./support/Stack.ts"

const KEY = "ptlc_timing"
const serverFile = (panel: Panel, extra: string) =>
  `domains = ["events.test"]
addresses = ["127.0.0.1:25565"]

[server_manager]
type = "pterodactyl"
api_url = "${panel.url}"
api_key = "${KEY}"
server_id = "abc"
poll_interval = "5s"
${extra}
`

const withPanel = <A>(extra: string, body: (panel: Panel) => Effect.Effect<A, unknown, ServerManager | Sessions | Scope.Scope>) =>
  Effect.gen(function*() {
    const panel = yield* panelPeer("pterodactyl", { key: KEY, serverId: "abc" })
    const files = yield* tempDir({ "events.toml": serverFile(panel, extra) })
    return yield* body(panel).pipe(Effect.provide(managerLayer(files.dir)))
  }).pipe(Effect.provide(NodeFileSystem.layer))

/** Moves the test clock `step` at a time until `done` holds (at most `maxSteps` steps); returns the steps taken. */
const advanceUntil = (done: () => boolean, step: Duration.Input, maxSteps = 400) =>
  Effect.gen(function*() {
    for (let i = 0; i < maxSteps; i++) {
      // Real time for the panel to answer whatever the last step triggered.
      yield* TestClock.withLive(Effect.sleep("5 millis"))
      if (done()) return i
      yield* TestClock.adjust(step)
    }
    return yield* Effect.die(new Error(`condition not met within ${maxSteps} steps of ${Duration.format(Duration.fromInputUnsafe(step))}`))
  })

/** Advances exactly `total` in `step`s, letting answers arrive between steps. */
const advance = (total: Duration.Input, step: Duration.Input) =>
  Effect.gen(function*() {
    const steps = Math.round(Duration.toMillis(Duration.fromInputUnsafe(total)) / Duration.toMillis(Duration.fromInputUnsafe(step)))
    for (let i = 0; i < steps; i++) {
      yield* TestClock.adjust(step)
      yield* TestClock.withLive(Effect.sleep("5 millis"))
    }
  })

const isRead = (c: PanelCall) => c.method === "GET"
const isStop = (c: PanelCall) => c.method === "POST" && c.body.includes(`"stop"`)

/** Starts `ensureStarted` in the background; `outcome()` is its result once it has one. */
const ensureInBackground = (manager: ServerManager["Service"]) =>
  Effect.gen(function*() {
    let outcome: StartOutcome | undefined
    const fiber = yield* manager.ensureStarted("events").pipe(Effect.tap((o) => Effect.sync(() => (outcome = o))), Effect.forkChild)
    return { fiber, outcome: () => outcome }
  })

describe("ServerManager timing", () => {
  it.effect("polls every poll_interval while a start it began is pending, 6 × poll_interval otherwise", () =>
    withPanel(`start_timeout = "5m"`, (panel) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        yield* changes.until("events", "sleeping")
        panel.reads = 1_000_000 // stays "starting" until the test says otherwise

        const waiting = yield* ensureInBackground(manager)
        yield* Effect.promise(() => panel.waitForCall((c) => c.method === "POST"))
        const before = panel.count(isRead)
        yield* advance("60 seconds", "1 second")
        const fastReads = panel.count(isRead) - before
        // Every 5 s: 12 reads in 60 s (one more for the poll right after the start was accepted).
        assert.isAtLeast(fastReads, 12)
        assert.isAtMost(fastReads, 13)

        panel.reads = 0
        yield* advanceUntil(() => waiting.outcome() !== undefined, "1 second")
        assert.strictEqual(waiting.outcome()?._tag, "Ready")
        const online = panel.count(isRead)
        yield* advance("120 seconds", "5 seconds")
        // Every 30 s once online: 4 reads in 120 s.
        assert.strictEqual(panel.count(isRead) - online, 4)
      })))

  it.effect("start_timeout: the wait ends with the timeout outcome at the deadline, the attempt is stopped, the server is crashed", () =>
    withPanel(`start_timeout = "60s"`, (panel) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        yield* changes.until("events", "sleeping")
        panel.reads = 1_000_000
        const startedAt = yield* Clock.currentTimeMillis
        const waiting = yield* ensureInBackground(manager)
        yield* advanceUntil(() => waiting.outcome() !== undefined, "1 second")
        const waited = (yield* Clock.currentTimeMillis) - startedAt
        assert.strictEqual(waiting.outcome()?._tag, "TimedOut")
        assert.isAtLeast(waited, 60_000)
        assert.isAtMost(waited, 61_000)

        // Another login meanwhile is told the server is stopping, not made to wait.
        const late = yield* manager.ensureStarted("events")
        assert.strictEqual(late._tag, "Stopping")
        yield* Effect.promise(() => panel.waitForCall(isStop))
        panel.reads = 0
        yield* advanceUntil(() => manager.stateOf("events") === "crashed", "1 second")
        assert.strictEqual((yield* manager.list)[0]?.detail, "not ready within 1m")
      })))

  it.effect("shutdown_after counts from the last player seen: a session keeps the server up, its end starts the countdown", () =>
    withPanel(`shutdown_after = "10m"`, (panel) =>
      Effect.gen(function*() {
        panel.state = "running"
        const manager = yield* ServerManager
        const sessions = yield* Sessions
        const changes = yield* recordChanges
        yield* changes.until("events", "online")

        const session = yield* Scope.make()
        yield* sessions.open({
          client: "127.0.0.1",
          player: "alice",
          uuid: undefined,
          identity: "claimed",
          protocolVersion: 765,
          mode: "passthrough"
        }, { _tag: "Playing", server: "events", backend: "127.0.0.1:25565" }, 0).pipe(Scope.provide(session))
        // 30 min and 17 s: alice leaves between two 30 s status polls.
        yield* advance("30 minutes", "30 seconds")
        yield* advance("17 seconds", "1 second")
        assert.strictEqual(manager.stateOf("events"), "online")
        assert.strictEqual(panel.count(isStop), 0)

        yield* Scope.close(session, Exit.void)
        const leftAt = yield* Clock.currentTimeMillis
        yield* advanceUntil(() => panel.count(isStop) > 0, "1 second", 1000)
        const idle = (yield* Clock.currentTimeMillis) - leftAt
        // Players are counted at least every 5 s, so the stop comes 10 min after the last count that saw alice.
        assert.isAtLeast(idle, 10 * 60_000 - 5_000)
        assert.isAtMost(idle, 10 * 60_000 + 1_000)
        yield* advanceUntil(() => manager.stateOf("events") === "sleeping", "1 second")
        assert.strictEqual(changes.seen.find((c) => c.to === "stopping")?.detail, "no players for 10m")
      })))

  it.effect("a panel that never answers: each call gives up after 10 s, the waiter gets an outcome, and the next start works", () =>
    withPanel(`start_timeout = "5m"`, (panel) =>
      Effect.gen(function*() {
        panel.override = () => "hang"
        const manager = yield* ServerManager
        const startedAt = yield* Clock.currentTimeMillis
        const waiting = yield* ensureInBackground(manager)
        yield* advanceUntil(() => waiting.outcome() !== undefined, "1 second")
        const outcome = waiting.outcome()
        assert.strictEqual(outcome?._tag, "Crashed")
        if (outcome?._tag === "Crashed") assert.strictEqual(outcome.detail, "Timeout: POST /api/client/servers/abc/power: no answer within 10s")
        // At most the first status poll (10 s) and the start request (10 s).
        assert.isAtMost((yield* Clock.currentTimeMillis) - startedAt, 21_000)

        panel.override = () => undefined
        const again = yield* ensureInBackground(manager)
        yield* advanceUntil(() => again.outcome() !== undefined, "1 second")
        assert.strictEqual(again.outcome()?._tag, "Ready")
        yield* Fiber.join(again.fiber)
      })))
})
