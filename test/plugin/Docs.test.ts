/**
 * docs/plugins.md teaches with the example plugins: its code blocks are the files in
 * examples/plugins/ word for word, and its TOML blocks load without warnings (the e2e tests run
 * the proxy with those very blocks).
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { readFileSync } from "node:fs"
import { parseProxyConfig } from "../../src/config/ConfigLoader.ts"
import { docBlock } from "../support/DocBlocks.ts"

const example = (file: string) => readFileSync(new URL(`../../examples/plugins/${file}`, import.meta.url), "utf8")

describe("docs/plugins.md", () => {
  it("shows the example plugins exactly as they are in examples/plugins/", () => {
    assert.strictEqual(docBlock("plugins.md", "maintenance-source"), example("maintenance.ts"))
    assert.strictEqual(docBlock("plugins.md", "motd-source"), example("motd-rewrite.ts"))
  })

  for (const block of ["maintenance-config", "motd-config"]) {
    it(`the ${block} block loads with no warnings`, () => {
      const parsed = parseProxyConfig(docBlock("plugins.md", block), "infrarust.toml")
      if (Result.isFailure(parsed)) assert.fail(parsed.failure.message)
      else assert.deepStrictEqual(parsed.success.warnings, [])
    })
  }
})
