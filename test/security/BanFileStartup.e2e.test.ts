/**
 * A corrupt bans.json at start-up stops the real proxy process with a clear error (fail closed:
 * starting with no bans would let every banned player in), and the file is left as it was.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { proxyProcess } from "../support/ProxyProcess.ts"

describe("bans.json at start-up", () => {
  it.live("a corrupt file stops start-up with the file, the problem and what to do", () =>
    Effect.gen(function*() {
      const corrupt = `{"bans": [{"target": {"type": "username", "value": "Griefer"}`
      const proc = yield* proxyProcess(`file_settle = "100ms"\n[ban]\nfile = "bans.json"\n`, { files: { "bans.json": corrupt } })
      const code = yield* Effect.promise(() => Promise.race([proc.exited, new Promise<"still running">((r) => setTimeout(() => r("still running"), 15_000))]))
      assert.notStrictEqual(code, 0, proc.output())
      assert.notStrictEqual(code, "still running", proc.output())
      assert.notInclude(proc.output(), "listening on")
      assert.include(proc.output(), "bans.json: cannot load the ban store (not valid JSON")
      assert.include(proc.output(), "fix the file, or move it away to start with no bans")
      assert.strictEqual(readFileSync(join(proc.dir, "bans.json"), "utf8"), corrupt)
      assert.isFalse(existsSync(join(proc.dir, "bans.json.bak")))
    }), { timeout: 30_000 })
})
