/**
 * docs/wasm-plugins.md teaches with the examples and the WIT itself: its code blocks are the files
 * word for word, and its TOML blocks load without warnings (the end-to-end test runs the rotator
 * with its documented block).
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { readFileSync } from "node:fs"
import { parseProxyConfig } from "../../src/config/ConfigLoader.ts"
import { docBlock } from "../support/DocBlocks.ts"

const file = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), "utf8")

describe("docs/wasm-plugins.md", () => {
  it("shows the world and the examples exactly as they are", () => {
    assert.strictEqual(docBlock("wasm-plugins.md", "wit"), file("src/wasm/wit/plugin.wit"))
    assert.strictEqual(docBlock("wasm-plugins.md", "rotator-source"), file("examples/wasm/motd-rotator/motd-rotator.js"))
    assert.strictEqual(docBlock("wasm-plugins.md", "chat-filter-source"), file("examples/wasm/chat-filter/chat_filter.c"))
  })

  for (const block of ["rotator-config", "chat-filter-config"]) {
    it(`the ${block} block loads with no warnings`, () => {
      const parsed = parseProxyConfig(docBlock("wasm-plugins.md", block), "infrarust.toml")
      if (Result.isFailure(parsed)) assert.fail(parsed.failure.message)
      else assert.deepStrictEqual(parsed.success.warnings, [])
    })
  }
})
