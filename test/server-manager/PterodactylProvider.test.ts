/**
 * The Pterodactyl provider against a real HTTP panel (support/Panels.ts) implementing the client
 * API endpoints of reference §2.16: the exact requests (paths, methods, JSON bodies, bearer key,
 * Accept), the state mapping, and failures (a refused key, 5xx answers, unknown states) that
 * must leave the state machine able to go on. Short poll intervals, real time: the subject is
 * the protocol; timing rules are in ServerManager.timing.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Metric, Schedule } from "effect"
import { serverManagerState, serverStartDuration, tagged } from "../../src/observability/Metrics.ts"
import { ServerManager } from "../../src/server-manager/ServerManager.ts"
import type { PanelCall } from "./support/Panels.ts"
import { type PanelServer, recordChanges, withPanel } from "./support/Stack.ts"

const KEY = "ptlc_0123456789abcdefSECRET"
const POWER = "/api/client/servers/1a2b3c4d/power"
const RESOURCES = "/api/client/servers/1a2b3c4d/resources"

const SERVER: PanelServer = { flavor: "pterodactyl", domain: "events.test", serverId: "1a2b3c4d", key: KEY, apiUrl: (url) => `${url}/` }

const isPower = (signal: string) => (c: PanelCall) => c.method === "POST" && c.path === POWER && c.body === JSON.stringify({ signal })

describe("PterodactylProvider", () => {
  it.live("start and stop through the client API, with the documented requests and state mapping", () =>
    withPanel(SERVER, undefined, (panel) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        yield* changes.until("events", "sleeping")
        panel.reads = 2

        const outcome = yield* manager.ensureStarted("events")
        assert.strictEqual(outcome._tag, "Ready")
        const start = panel.calls.find(isPower("start"))
        assert.deepStrictEqual(start && { auth: start.authorization, accept: start.accept, type: start.contentType, status: start.status }, {
          auth: `Bearer ${KEY}`,
          accept: "application/json",
          type: "application/json",
          status: 204
        })
        const reads = panel.calls.filter((c) => c.method === "GET")
        assert.isTrue(reads.every((c) => c.path === RESOURCES && c.authorization === `Bearer ${KEY}` && c.accept === "application/json"))

        assert.deepStrictEqual(yield* manager.stop("events"), { _tag: "Accepted", state: "stopping" })
        yield* changes.until("events", "sleeping")
        assert.strictEqual(panel.count(isPower("stop")), 1)
        assert.deepStrictEqual(changes.states("events").filter((s, i) => i > 0 || s !== "unknown"), [
          "sleeping",
          "starting",
          "online",
          "stopping",
          "sleeping"
        ])
        // One series per state: 1 for the current one. One start, recorded as ready.
        const gauge = (state: string) => Metric.value(tagged(serverManagerState, { server: "events", state })).pipe(Effect.map((s) => s.value))
        const gauges = Effect.all([gauge("sleeping"), gauge("online"), gauge("starting")])
        // The gauge follows the change (it is written right after the change is delivered).
        const values = yield* gauges.pipe(
          Effect.filterOrFail((v) => v[0] === 1, () => new Error("gauge not updated yet")),
          Effect.retry(Schedule.spaced("10 millis")),
          Effect.timeout("5 seconds")
        )
        assert.deepStrictEqual(values, [1, 0, 0])
        const starts = yield* Metric.value(tagged(serverStartDuration, { server: "events", outcome: "ready" }))
        assert.strictEqual(starts.count, 1)
        // Every call went to the two documented endpoints.
        assert.deepStrictEqual([...new Set(panel.calls.map((c) => `${c.method} ${c.path}`))].sort(), [`GET ${RESOURCES}`, `POST ${POWER}`])
      })), { timeout: 20_000 })

  it.live("a refused key (401): each start ends crashed, nothing wedges, the key is never logged", () =>
    withPanel(SERVER, "ptlc_wrong_key_XYZ", (panel, logs) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        yield* Effect.promise(() => panel.waitForCall((c) => c.status === 401 && c.method === "GET"))
        const first = yield* manager.ensureStarted("events")
        assert.strictEqual(first._tag, "Crashed")
        if (first._tag === "Crashed") {
          assert.strictEqual(first.message, "The server could not be started. Please try again later.")
          assert.strictEqual(first.detail, `Unauthorized: POST ${POWER} answered 401 (check api_key)`)
        }
        const second = yield* manager.ensureStarted("events")
        assert.strictEqual(second._tag, "Crashed")
        assert.strictEqual(panel.count(isPower("start")), 2, "a crashed server is tried again by the next login")
        yield* Effect.promise(() => panel.waitForCall((c) => c.status === 401 && c.method === "GET" && panel.count((x) => x.method === "GET") >= 3))
        const text = logs.lines.map((l) => l.message).join("\n")
        assert.notInclude(text, "ptlc_wrong_key_XYZ")
        assert.include(text, "server 'events': pterodactyl start failed (Unauthorized)")
        // Repeated identical poll failures are one warning, not one per poll.
        const pollWarnings = logs.lines.filter((l) => l.level === "Warn" && l.message.includes("status failed"))
        assert.strictEqual(pollWarnings.length, 1)
      })), { timeout: 20_000 })

  it.live("5xx answers: a failed start is retried by the next login; failed polls while starting are ridden out", () =>
    withPanel(SERVER, undefined, (panel) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        yield* changes.until("events", "sleeping")
        panel.override = (c) => (c.method === "POST" ? 500 : undefined)
        const failed = yield* manager.ensureStarted("events")
        assert.strictEqual(failed._tag, "Crashed")
        if (failed._tag === "Crashed") assert.strictEqual(failed.detail, `HttpStatus: POST ${POWER} answered 500`)

        // Now the start is accepted but the next status reads fail with 502.
        let failures = 3
        panel.override = (c) => (c.method === "GET" && failures-- > 0 ? 502 : undefined)
        panel.reads = 1
        const outcome = yield* manager.ensureStarted("events")
        assert.strictEqual(outcome._tag, "Ready")
        assert.strictEqual(panel.count((c) => c.status === 502), 3)
      })), { timeout: 20_000 })

  it.live("panel states it does not know leave the state alone", () =>
    withPanel(SERVER, undefined, (panel) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        yield* changes.until("events", "sleeping")
        panel.rawState = "installing"
        const before = panel.count((c) => c.method === "GET")
        yield* manager.start("events")
        yield* Effect.promise(() => panel.waitForCall(() => panel.count((c) => c.method === "GET") >= before + 5))
        assert.strictEqual(manager.stateOf("events"), "starting")
        panel.rawState = undefined
        yield* changes.until("events", "online")
      })), { timeout: 20_000 })
})
