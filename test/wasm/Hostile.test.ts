/**
 * Hostile plugins, built from C in the test, driven through the event bus: each is stopped
 * within its budget (the event answers the current result), logged with its id, and started
 * again after a backoff; a well-behaved plugin beside them sees every event.
 */
import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect } from "effect"
import { writeFileSync } from "node:fs"
import { join } from "node:path"
import type { PreConnectResult } from "../../src/event/ProxyEvent.ts"
import { waitUntil } from "../support/Poll.ts"
import { hostile } from "../support/WasmToolchain.ts"
import { player, said, wasmHost } from "./support.ts"


const CASES = [
  { id: "loop", define: "LOOP", stopped: "its ServerPreConnect call took longer than 300ms (max_call_time, and its first call's warm-up)" },
  { id: "hog", define: "HOG", stopped: "of its 16 MiB limit, max_memory)" },
  { id: "trap", define: "TRAP", stopped: "it trapped in its ServerPreConnect call: RuntimeError: wasm trap: wasm `unreachable` instruction executed" },
  { id: "bad_host_call", define: "BAD_HOST_CALL", stopped: "it trapped in its ServerPreConnect call: RangeError" }
] as const

describe("hostile WASM plugins", () => {
  it.live("a loop, a memory hog, a trap and a bad host call are stopped within budget, logged and restarted; a good plugin sees every event", () =>
    Effect.gen(function*() {
      const built = yield* Effect.promise(() => Promise.all([...CASES.map((c) => hostile(c.define)), hostile("GOOD")]))
      // The hog gets time enough to reach its memory cap: that, not the clock, must stop it.
      const fixture = yield* wasmHost(`[plugins.hog]\nmax_memory = "16MiB"\nmax_call_time = "2s"\n`)
      CASES.forEach((c, i) => writeFileSync(join(fixture.pluginsDir, `${c.id}.wasm`), built[i]!))
      writeFileSync(join(fixture.pluginsDir, "good.wasm"), built[CASES.length]!)
      const loadedAll = () => CASES.every((c) => said(fixture.logs, c.id, "loaded from").length === 1) && said(fixture.logs, "good", "loaded from").length === 1
      yield* waitUntil(loadedAll, "five plugins to load", 30_000)
      const connect = (name: string) =>
        fixture.events.fire({ _tag: "ServerPreConnect", player: player(name), server: "lobby", previous: undefined }, { _tag: "Allowed" } as PreConnectResult)
      for (let round = 1; round <= 3; round++) {
        const before = yield* Clock.currentTimeMillis
        assert.deepStrictEqual(yield* connect(`p${round}`), { _tag: "Allowed" }, "the default result")
        const took = (yield* Clock.currentTimeMillis) - before
        // The loop's budget (50 ms, plus 250 ms on an export's first call), the hog's fill of 16 MiB,
        // thread hops, and a slow CI.
        assert.isBelow(took, 1500, `round ${round} took ${took} ms`)
        // Every hostile plugin is back before the next round (backoffs of 100, 200, 400 ms).
        yield* waitUntil(() => CASES.every((c) => said(fixture.logs, c.id, "started again").length >= round), `round ${round}'s restarts`, 10_000)
      }
      for (const c of CASES) {
        const stops = said(fixture.logs, c.id, `plugin '${c.id}' was stopped: `)
        assert.strictEqual(stops.length, 3, `${c.id}: ${stops.map((l) => l.message).join(" | ")}`)
        assert.include(stops[0]!.message, c.stopped, stops.map((l) => l.message).join(" | "))
        assert.strictEqual(stops[0]!.level, "Error")
        assert.match(stops.map((l) => l.message).join("\n"), /starting it again in 100ms[\s\S]*again in 200ms[\s\S]*again in 400ms/)
      }
      assert.strictEqual(said(fixture.logs, "bad_host_call", "kv-set refused: invalid key \"../../etc/passwd\"").length, 3, "an error value, not a trap")
      assert.deepStrictEqual(said(fixture.logs, "good", "saw p").map((l) => l.message.split(" ")[1]), ["p1", "p2", "p3"])
      assert.strictEqual(said(fixture.logs, "good", "was stopped").length, 0)
    }), { timeout: 90_000 })
})
