/**
 * The feature pages of docs/ whose TOML examples are whole files: each block names its file on
 * its first line and loads with no errors and no warnings, so a page cannot show a key or a value
 * the proxy would refuse.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { readFileSync } from "node:fs"
import { parseProxyConfig, parseServerConfig } from "../../src/config/ConfigLoader.ts"

const PAGES = ["offline-mode.md", "client-only.md", "forwarding.md", "plugins.md", "server-manager.md", "docker.md", "switching.md", "commands.md", "quick-start.md", "builtin-plugins.md"]

const tomlBlocks = (page: string) => {
  const lines = readFileSync(new URL(`../../docs/${page}`, import.meta.url), "utf8").split("\n")
  const blocks: Array<{ line: number; file: string; text: string }> = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```toml") continue
    let end = i + 1
    while (end < lines.length && lines[end]?.trim() !== "```") end++
    const body = lines.slice(i + 1, end)
    blocks.push({ line: i + 2, file: (body[0] ?? "").replace(/^#\s*/, "").trim(), text: body.join("\n") })
    i = end
  }
  return blocks
}

describe("TOML examples of the feature pages", () => {
  for (const page of PAGES) {
    for (const block of tomlBlocks(page)) {
      it(`docs/${page} line ${block.line} (${block.file}) loads with no warnings`, () => {
        assert.match(block.file, /^(infrarust\.toml|servers\/[a-z0-9_-]+\.toml)$/, "the block names its file")
        const parsed: Result.Result<{ readonly warnings: ReadonlyArray<string> }, { readonly message: string }> = block.file === "infrarust.toml"
          ? parseProxyConfig(block.text, block.file)
          : parseServerConfig(block.text, block.file, block.file.slice("servers/".length, -".toml".length), "linux")
        if (Result.isFailure(parsed)) assert.fail(parsed.failure.message)
        else assert.deepStrictEqual(parsed.success.warnings, [])
      })
    }
  }
})
