import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { parseServerConfig } from "../../src/config/ConfigLoader.ts"
import type { LoadedServer } from "../../src/config/ConfigLoader.ts"
import {
  assembleServers,
  describeChange,
  describeCollision,
  diffServers,
  type FileEntry,
  mergeDiscovered
} from "../../src/config/ServerList.ts"

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

  describe("mergeDiscovered", () => {
    const file = (name: string, domains: ReadonlyArray<string>, extra = "") =>
      server(`${name}.toml`, `domains = ${JSON.stringify(domains)}\naddresses = ["h:1"]\n${extra}`)
    const container = (name: string, domains: ReadonlyArray<string>, id = name): LoadedServer => ({
      ...file(id, domains),
      file: `docker@${name}`,
      path: `docker@${name}`
    })

    it("files keep their ids and domains; a container keeps its free domains or is left out", () => {
      const base = [file("lobby", ["lobby.example.com", "*.example.org"])]
      const { collisions, servers } = mergeDiscovered(base, [
        container("mc-a", ["LOBBY.example.com.", "a.example.com"]),
        container("mc-b", ["lobby.example.com"]),
        container("mc-c", ["c.example.com"], "lobby"),
        container("mc-d", ["d.example.org"])
      ])
      assert.deepStrictEqual(servers.map((s) => [s.file, s.config.domains]), [
        ["docker@mc-a", ["a.example.com"]],
        // A more specific domain than a file's wildcard is not a collision: the router prefers it.
        ["docker@mc-d", ["d.example.org"]]
      ])
      assert.deepStrictEqual(collisions.map(describeCollision), [
        `docker@mc-a: domain "LOBBY.example.com." is already routed to 'lobby' (lobby.toml); the container keeps its other domains`,
        `docker@mc-b: domain "lobby.example.com" is already routed to 'lobby' (lobby.toml); the container is not routed (none of its domains is free)`,
        `docker@mc-c: server id "lobby" is already used by 'lobby' (lobby.toml); the container is not routed`
      ])
    })

    it("between containers, the first source by name keeps a shared id, whatever the order they came in", () => {
      const one = container("mc-b", ["b.example.com"], "shared")
      const two = container("mc-a", ["a.example.com"], "shared")
      for (const order of [[one, two], [two, one]]) {
        const { collisions, servers } = mergeDiscovered([], order)
        assert.deepStrictEqual(servers.map((s) => s.file), ["docker@mc-a"])
        assert.deepStrictEqual(collisions.map((c) => [c.kind, c.file, c.keptBy.file]), [["id", "docker@mc-b", "docker@mc-a"]])
      }
    })
  })
})
