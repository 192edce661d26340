/**
 * docs/ cannot drift from the repository: every file or folder of the repository a page names
 * exists, every link between pages points at a page, every proxy command line in a shell block
 * parses with the real CLI parser, and every ```toml block of every page that names its file
 * on its first line loads (the feature pages are checked more strictly by DocPages.test.ts,
 * and configuration.md by Docs.test.ts).
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { parseCli } from "../../src/cli/Cli.ts"
import { parseProxyConfig, parseServerConfig, parseToml } from "../../src/config/ConfigLoader.ts"

const ROOT = fileURLToPath(new URL("../..", import.meta.url))
const PAGES = [
  "README.md",
  ...readdirSync(join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, "docs/internals")).filter((f) => f.endsWith(".md")).map((f) => `docs/internals/${f}`)
]
const read = (page: string) => readFileSync(join(ROOT, page), "utf8")

/** Fenced blocks of one language: the line after the fence, and the body. */
const blocks = (text: string, lang: string) => {
  const lines = text.split("\n")
  const found: Array<{ line: number; body: ReadonlyArray<string> }> = []
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```" + lang) continue
    let end = i + 1
    while (end < lines.length && lines[end]?.trim() !== "```") end++
    found.push({ line: i + 2, body: lines.slice(i + 1, end) })
    i = end
  }
  return found
}

/** Paths that are made at build or run time, or that name the reader's own files. */
const generated = (path: string) => path.startsWith("src/native/build") || path.startsWith("servers/")

describe("docs name only what exists", () => {
  for (const page of PAGES) {
    it(`${page}: repository paths and page links exist`, () => {
      const text = read(page)
      const missing: Array<string> = []
      for (const m of text.matchAll(/`((?:src|bench|test|scripts|examples|docs)\/[A-Za-z0-9_./-]*)`/g)) {
        const path = m[1]!.replace(/[.:]$/, "")
        if (!generated(path) && !existsSync(join(ROOT, path))) missing.push(path)
      }
      for (const m of text.matchAll(/\]\(([A-Za-z0-9_./-]+\.md)(#[^)]*)?\)/g)) {
        if (!existsSync(join(ROOT, dirname(page), m[1]!))) missing.push(m[1]!)
      }
      assert.deepStrictEqual(missing, [])
    })
  }
})

describe("shell examples", () => {
  for (const page of PAGES) {
    for (const block of blocks(read(page), "sh")) {
      const commands = block.body.map((l) => l.replace(/#.*$/, "").trim()).filter((l) => /^(infrarust-ts|npm start)\b/.test(l) || /&& npm start\b/.test(l))
      if (commands.length === 0) continue
      it(`${page} line ${block.line}: every infrarust-ts command line parses`, () => {
        for (const command of commands) {
          const args = command.includes("npm start")
            ? command.split("npm start")[1]!.replace(/^\s*--\s*/, "").split(/\s+/).filter((a) => a !== "")
            : command.split(/\s+/).slice(1)
          const parsed = parseCli(args, {})
          assert.notStrictEqual(parsed._tag, "Invalid", `${command}: ${JSON.stringify(parsed)}`)
          if (parsed._tag === "Run") assert.deepStrictEqual(parsed.options.warnings, [], command)
        }
      })
    }
  }
})

/** A block split at lines that are only `# infrarust.toml` or `# servers/<name>.toml`: one part per file. */
const fileParts = (body: ReadonlyArray<string>) => {
  const parts: Array<{ file: string; lines: Array<string> }> = []
  for (const line of body) {
    const named = /^#\s*(infrarust\.toml|servers\/[a-z0-9_-]+\.toml)\s*$/.exec(line.trim())
    if (named !== null) parts.push({ file: named[1]!, lines: [] })
    else parts.at(-1)?.lines.push(line)
  }
  return parts
}

describe("TOML examples that name their files", () => {
  for (const page of PAGES) {
    for (const block of blocks(read(page), "toml")) {
      for (const part of fileParts(block.body)) {
        it(`${page} line ${block.line} (${part.file}) loads`, () => {
          const text = part.lines.join("\n")
          // A server fragment that shows only its domains (routing examples) must still be TOML.
          const fragment = part.file !== "infrarust.toml" && !/^\s*addresses\s*=/m.test(text)
          const parsed: Result.Result<unknown, { readonly message: string }> = fragment
            ? parseToml(text, part.file)
            : part.file === "infrarust.toml"
            ? parseProxyConfig(text, part.file)
            : parseServerConfig(text, part.file, part.file.slice("servers/".length, -".toml".length), "linux")
          if (Result.isFailure(parsed)) assert.fail(`${page} line ${block.line}: ${parsed.failure.message}`)
        })
      }
    }
  }
})
