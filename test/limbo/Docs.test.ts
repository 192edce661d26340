/**
 * docs/limbo.md teaches with examples/plugins/limbo-rules.ts (its code block is the file word for
 * word; test/limbo/ExamplePlugin.e2e.test.ts runs it), and its TOML blocks load with no warnings.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { readFileSync } from "node:fs"
import { parseProxyConfig, parseServerConfig } from "../../src/config/ConfigLoader.ts"
import { docBlock } from "../support/DocBlocks.ts"

describe("docs/limbo.md", () => {
  it("shows the example plugin exactly as it is in examples/plugins/", () => {
    assert.strictEqual(docBlock("limbo.md", "rules-source"), readFileSync(new URL("../../examples/plugins/limbo-rules.ts", import.meta.url), "utf8"))
  })

  it("the plugin table loads with no warnings", () => {
    const parsed = parseProxyConfig(docBlock("limbo.md", "rules-config"), "infrarust.toml")
    if (Result.isFailure(parsed)) assert.fail(parsed.failure.message)
    else assert.deepStrictEqual(parsed.success.warnings, [])
  })

  it("the server file loads, with its limbo_handlers", () => {
    const parsed = parseServerConfig(docBlock("limbo.md", "limbo-server"), "survival.toml", "survival")
    if (Result.isFailure(parsed)) assert.fail(parsed.failure.message)
    else assert.deepStrictEqual(parsed.success.config.limboHandlers, ["rules"])
  })
})
