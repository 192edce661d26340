/**
 * No Docker Engine at the configured endpoint when the proxy starts (no dockerd is needed for
 * this): the proxy starts at once, routes the servers of its files, and says so in one warning,
 * however often it retries (retries are Debug lines).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loginOutcome } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const VERSION = "1.20.4"

describe("Docker Engine absent", () => {
  it.live("at start-up: file servers work, one clear warning, quiet retries", () =>
    Effect.gen(function*() {
      const dir = mkdtempSync(join(tmpdir(), "infrarust-ts-nodocker-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(dir, { recursive: true, force: true })))
      const socket = join(dir, "docker.sock")
      const backend = yield* mcServer(VERSION)
      const started = Date.now()
      const proxy = yield* startProxy({
        global: `[docker]\nendpoint = "unix://${socket}"\nreconnect_delay = "50ms"\n`,
        servers: { "lobby.toml": serverToml(["lobby.example.com"], [backend.address]) }
      })
      assert.isBelow(Date.now() - started, 5000, "an absent Engine does not hold start-up")
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, "lobby.example.com", "alex")), "joined")
      // 50 ms, 100 ms, 200 ms...: a few retries have happened once three Debug lines are there.
      yield* waitUntil(() => proxy.logs.filter((l) => l.message.includes("still does not answer")).length >= 3, "retries", 10_000)
      const warnings = proxy.logs.filter((l) => l.level === "Warn" && l.message.includes("Docker Engine"))
      assert.lengthOf(warnings, 1, warnings.map((w) => w.message).join("\n"))
      assert.strictEqual(
        warnings[0]!.message,
        `docker: the Docker Engine at unix://${socket} does not answer (GET /events: connect ENOENT ${socket}); ` +
          "serving the servers from files only; retrying in 50ms, then less often (at most every 1m)"
      )
    }), { timeout: 30_000 })
})
