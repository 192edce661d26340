import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { parseServerConfig } from "../../src/config/ConfigLoader.ts"
import type { LoadedServer } from "../../src/config/ConfigLoader.ts"
import { assembleServers, describeChange, diffServers, type FileEntry } from "../../src/config/ServerList.ts"

const server = (file: string, text: string): LoadedServer => {
  const parsed = parseServerConfig(text, file, file.replace(/\.toml$/, ""), "linux")
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
  return { id: parsed.success.id, file, path: `servers/${file}`, config: parsed.success.config }
}
const body = (port: number, extra = "") => `domains = ["d"]\naddresses = ["h:${port}"]\n${extra}`
const entry = (good: LoadedServer | undefined): FileEntry => ({ text: "", good })

describe("ServerList", () => {
  it("orders by file name and keeps the first of a duplicated id", () => {
    const { duplicates, servers } = assembleServers(new Map([
      ["b.toml", entry(server("b.toml", body(1, `name = "a"`)))],
      ["a.toml", entry(server("a.toml", body(2)))],
      ["c.toml", entry(server("c.toml", body(3)))],
      ["d.toml", entry(undefined)]
    ]))
    assert.deepStrictEqual(servers.map((s) => s.file), ["a.toml", "c.toml"])
    assert.deepStrictEqual(duplicates, [{ id: "a", file: "b.toml", keptFile: "a.toml" }])
  })

  it("diffs by id and structural config equality", () => {
    const a = server("a.toml", body(1))
    const b = server("b.toml", body(2))
    const c = server("c.toml", body(3))
    const change = diffServers([a, b], [server("a.toml", body(1)), server("b.toml", body(20)), c])
    assert.deepStrictEqual(change, { added: ["c"], updated: ["b"], removed: [] })
    assert.strictEqual(describeChange(diffServers([a, b, c], [b])), "servers changed: removed a, c")
    assert.strictEqual(
      describeChange({ added: ["x"], updated: ["y"], removed: ["z"] }),
      "servers changed: added x; updated y; removed z"
    )
  })
})
