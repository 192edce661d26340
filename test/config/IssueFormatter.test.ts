import { assert, describe, it } from "@effect/vitest"
import { describeValue, formatKeyPath, suggestKey } from "../../src/config/IssueFormatter.ts"

describe("IssueFormatter", () => {
  it("formats key paths as written in TOML", () => {
    assert.strictEqual(formatKeyPath(["rate_limit", "window"]), "rate_limit.window")
    assert.strictEqual(formatKeyPath(["addresses", 1, "weight"]), "addresses[1].weight")
    assert.strictEqual(formatKeyPath(["plugins", "my.plugin", "enabled"]), `plugins."my.plugin".enabled`)
    assert.strictEqual(formatKeyPath([]), "")
  })

  it("describes TOML values", () => {
    assert.deepStrictEqual(
      [describeValue("5s"), describeValue(5), describeValue(true), describeValue([1]), describeValue({}), describeValue(new Date(0))],
      [`"5s"`, "5", "true", "an array", "a table", "a date-time"]
    )
    assert.strictEqual(describeValue("x".repeat(100)), `"${"x".repeat(80)}..."`)
  })

  describe("suggests near misses only", () => {
    const known = ["max_connections", "window", "status_max", "status_window", "ipv6_prefix"]
    const cases: ReadonlyArray<readonly [string, string | undefined]> = [
      ["max_conections", "max_connections"],
      ["max_connection", "max_connections"],
      ["Max_Connections", "max_connections"],
      ["widnow", "window"],
      ["status_windows", "status_window"],
      ["ipv6prefix", "ipv6_prefix"],
      ["timeout", undefined],
      ["x", undefined],
      ["connections", undefined]
    ]
    for (const [typo, expected] of cases) {
      it(`${typo} → ${expected ?? "nothing"}`, () => assert.strictEqual(suggestKey(typo, known), expected))
    }
  })
})
