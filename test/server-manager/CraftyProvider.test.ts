/**
 * The Crafty Controller provider against a real HTTP panel (support/Panels.ts) implementing the
 * v2 endpoints of reference §2.16: start_server / stop_server actions, `data.running` from the
 * stats, the bearer key, and failures (401, 5xx) that must not wedge the state machine.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { ServerManager } from "../../src/server-manager/ServerManager.ts"
import { type PanelServer, recordChanges, withPanel } from "./support/Stack.ts"

const KEY = "crafty-token-SECRET-42"
const ID = "7f3c1e2a-5b4d-4c8e-9a10-123456789abc"
const BASE = `/api/v2/servers/${ID}`

const SERVER: PanelServer = { flavor: "crafty", domain: "modded.test", serverId: ID, key: KEY }

describe("CraftyProvider", () => {
  it.live("start_server, stats until running, stop_server, stats until stopped", () =>
    withPanel(SERVER, undefined, (panel) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        yield* changes.until("modded", "sleeping")
        panel.reads = 2
        assert.strictEqual((yield* manager.ensureStarted("modded"))._tag, "Ready")
        assert.deepStrictEqual(yield* manager.stop("modded"), { _tag: "Accepted", state: "stopping" })
        yield* changes.until("modded", "sleeping")

        const posts = panel.calls.filter((c) => c.method === "POST")
        assert.deepStrictEqual(posts.map((c) => [c.path, c.authorization, c.status]), [
          [`${BASE}/action/start_server`, `Bearer ${KEY}`, 200],
          [`${BASE}/action/stop_server`, `Bearer ${KEY}`, 200]
        ])
        assert.isTrue(panel.calls.filter((c) => c.method === "GET").every((c) => c.path === `${BASE}/stats`))
        assert.deepStrictEqual(changes.states("modded").filter((s, i) => i > 0 || s !== "unknown"), [
          "sleeping",
          "starting",
          "online",
          "stopping",
          "sleeping"
        ])
      })), { timeout: 20_000 })

  it.live("a refused key (401) on start is a crash the next login retries; the key is never logged", () =>
    withPanel(SERVER, "crafty-wrong-token", (panel, logs) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        for (let i = 1; i <= 2; i++) {
          const outcome = yield* manager.ensureStarted("modded")
          assert.strictEqual(outcome._tag, "Crashed")
          if (outcome._tag === "Crashed") {
            assert.strictEqual(outcome.detail, `Unauthorized: POST ${BASE}/action/start_server answered 401 (check api_key)`)
          }
          assert.strictEqual(panel.count((c) => c.method === "POST"), i)
        }
        assert.strictEqual(manager.stateOf("modded"), "crashed")
        assert.notInclude(logs.lines.map((l) => l.message).join("\n"), "crafty-wrong-token")
      })), { timeout: 20_000 })

  it.live("5xx stats answers while starting are ridden out", () =>
    withPanel(SERVER, undefined, (panel) =>
      Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        yield* changes.until("modded", "sleeping")
        let failures = 4
        panel.override = (c) => (c.method === "GET" && failures-- > 0 ? 503 : undefined)
        assert.strictEqual((yield* manager.ensureStarted("modded"))._tag, "Ready")
        assert.strictEqual(panel.count((c) => c.status === 503), 4)
      })), { timeout: 20_000 })
})
