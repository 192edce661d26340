/**
 * docs/configuration.md is checked against the code: every ```toml example must load without
 * errors or warnings (as the file named on its first line), and every key the schemas know must
 * be documented.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result, type SchemaAST } from "effect"
import { readFileSync } from "node:fs"
import * as NodePath from "node:path"
import type { ConfigError } from "../../src/config/ConfigError.ts"
import { parseProxyConfig, parseServerConfig } from "../../src/config/ConfigLoader.ts"
import { ProxyConfig } from "../../src/config/ProxyConfig.ts"
import { ServerConfig } from "../../src/config/ServerConfig.ts"

const docPath = NodePath.join(import.meta.dirname, "../../docs/configuration.md")
const doc = readFileSync(docPath, "utf8")

interface Example {
  readonly line: number
  readonly marker: string
  readonly text: string
}

const tomlExamples = (markdown: string): Array<Example> => {
  const out: Array<Example> = []
  const lines = markdown.split("\n")
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== "```toml") continue
    const start = i + 1
    let end = start
    while (end < lines.length && lines[end]?.trim() !== "```") end++
    const body = lines.slice(start, end)
    out.push({ line: start + 1, marker: (body[0] ?? "").trim(), text: body.join("\n") })
    i = end
  }
  return out
}

/**
 * Every key a config schema reads, in file spelling, found by walking the schema's AST.
 */
const fileKeys = (root: SchemaAST.AST): Set<string> => {
  const keys = new Set<string>()
  const seen = new Set<SchemaAST.AST>()
  const walk = (ast: SchemaAST.AST): void => {
    if (seen.has(ast)) return
    seen.add(ast)
    // A decoded node (camelCase table, `{ host, port }`, tagged value) is only followed to what it
    // decodes from; a link to Unknown is just `withDefault`, so the node itself is the file shape.
    const from = (ast.encoding ?? []).filter((link) => link.to._tag !== "Unknown")
    if (from.length > 0) return from.forEach((link) => walk(link.to))
    switch (ast._tag) {
      case "Objects":
        for (const p of ast.propertySignatures) {
          if (typeof p.name === "string") keys.add(p.name)
          walk(p.type)
        }
        for (const index of ast.indexSignatures) walk(index.type)
        return
      case "Union":
        return ast.types.forEach(walk)
      case "Arrays":
        return [...ast.elements, ...ast.rest].forEach(walk)
      default:
        return
    }
  }
  walk(root)
  return keys
}

/** Words inside inline code spans and code blocks: where a documented key is written. */
const codeWords = (markdown: string): Set<string> => {
  const code = [...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2] ?? "")
  return new Set(code.flatMap((c) => c.split(/[^A-Za-z0-9_]+/)).filter((w) => w.length > 0))
}

describe("docs/configuration.md", () => {
  const examples = tomlExamples(doc)

  it("has TOML examples, each marked with the file it belongs to", () => {
    assert.isAbove(examples.length, 5)
    for (const example of examples) {
      assert.match(example.marker, /^# (infrarust\.toml|servers\/[a-z0-9_-]+\.toml)$/, `block at line ${example.line}`)
    }
  })

  for (const example of examples) {
    it(`the ${example.marker.slice(2)} example at line ${example.line} loads with no warnings`, () => {
      const file = example.marker.slice(2)
      const result: Result.Result<{ readonly warnings: ReadonlyArray<string> }, ConfigError> = file === "infrarust.toml"
        ? parseProxyConfig(example.text, file)
        : parseServerConfig(example.text, file, NodePath.basename(file, ".toml"), "linux")
      if (Result.isFailure(result)) assert.fail(result.failure.message)
      else assert.deepStrictEqual(result.success.warnings, [])
    })
  }

  it("documents every key of infrarust.toml and of server files", () => {
    const keys = [...fileKeys(ProxyConfig.ast), ...fileKeys(ServerConfig.ast)]
    for (const key of ["sampling_ratio", "IPOther", "weight", "working_dir", "requests_per_minute", "unhealthy_after"]) {
      assert.include(keys, key)
    }
    const documented = codeWords(doc)
    const missing = keys.filter((key) => !documented.has(key))
    assert.deepStrictEqual(missing, [], missing.join(" "))
  })
})
