import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Layer, SubscriptionRef } from "effect"
import * as NodePath from "node:path"
import type { LoadedServer } from "../../src/config/ConfigLoader.ts"
import { ServersDirectory } from "../../src/config/ServersDirectory.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { eventually, waitFor } from "./support.ts"

const serverFile = (id: string, port: number, extra = "") =>
  `domains = ["${id}.example.com"]\naddresses = ["127.0.0.1:${port}"]\n${extra}`

const ids = (list: ReadonlyArray<LoadedServer>) => list.map((s) => s.id).join(",")
const portOf = (list: ReadonlyArray<LoadedServer>, id: string) =>
  list.find((s) => s.id === id)?.config.addresses[0]?.port

/** A temp directory with the given files, and a writer for more. */
const tempServers = Effect.fnUntraced(function*(files: Record<string, string>) {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped()
  const write = (name: string, text: string) => fs.writeFileString(NodePath.join(dir, name), text)
  for (const [name, text] of Object.entries(files)) yield* write(name, text)
  return { dir, write, remove: (name: string) => fs.remove(NodePath.join(dir, name)) }
})

describe("ServersDirectory", () => {
  it.live("follows added, edited, broken, fixed and removed files", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const { dir, remove, write } = yield* tempServers({
        "survival.toml": serverFile("survival", 25566),
        "creative.toml": serverFile("creative", 25567)
      })
      yield* Effect.gen(function*() {
        const { servers } = yield* ServersDirectory
        assert.strictEqual(ids(yield* SubscriptionRef.get(servers)), "creative,survival")

        yield* write("lobby.toml", serverFile("lobby", 25568))
        yield* waitFor(servers, (l) => ids(l) === "creative,lobby,survival")

        yield* write("survival.toml", serverFile("survival", 30000))
        yield* waitFor(servers, (l) => portOf(l, "survival") === 30000)

        // A broken edit: the error is logged with file, key and expectation; the old version stays.
        yield* write("creative.toml", `domains = ["creative.example.com"]\naddresses = ["127.0.0.1:99999"]\n`)
        yield* eventually(() =>
          logs.lines.some((l) =>
            l.level === "Warn" && l.message.includes("creative.toml: addresses[0]: expected an address") &&
            l.message.includes("keeping its last good version")
          )
        )
        assert.strictEqual(portOf(yield* SubscriptionRef.get(servers), "creative"), 25567)

        yield* write("creative.toml", serverFile("creative", 31000))
        yield* waitFor(servers, (l) => portOf(l, "creative") === 31000)

        yield* remove("lobby.toml")
        yield* waitFor(servers, (l) => ids(l) === "creative,survival")
      }).pipe(Effect.provide(ServersDirectory.layerDirectory(dir)))

      const changes = logs.lines.filter((l) => l.message.startsWith("servers changed:")).map((l) => l.message)
      assert.deepStrictEqual(changes, [
        "servers changed: added lobby",
        "servers changed: updated survival",
        "servers changed: updated creative",
        "servers changed: removed lobby"
      ])
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("skips a broken file at start-up and loads the others", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const { dir } = yield* tempServers({
        "a.toml": serverFile("a", 1),
        "b.toml": `addresses = ["127.0.0.1:2"]\nproxy_mode = "Intercepted"\n`,
        "c.toml": serverFile("c", 3),
        "notes.txt": "not a server",
        ".#a.toml": "editor lock file"
      })
      const list = yield* Effect.gen(function*() {
        const { servers } = yield* ServersDirectory
        return yield* SubscriptionRef.get(servers)
      }).pipe(Effect.provide(ServersDirectory.layerDirectory(dir)))
      assert.strictEqual(ids(list), "a,c")
      const warning = logs.lines.find((l) => l.level === "Warn")?.message ?? ""
      assert.include(warning, `b.toml: proxy_mode: expected one of "passthrough", "zero_copy"`)
      assert.include(warning, "the file is skipped")
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("keeps the first file of a duplicated id, by file name", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const { dir } = yield* tempServers({
        "10-main.toml": serverFile("x", 1, `name = "hub"\n`),
        "20-copy.toml": serverFile("y", 2, `name = "hub"\n`)
      })
      const list = yield* Effect.gen(function*() {
        const { servers } = yield* ServersDirectory
        return yield* SubscriptionRef.get(servers)
      }).pipe(Effect.provide(ServersDirectory.layerDirectory(dir)))
      assert.deepStrictEqual(list.map((s) => [s.id, s.file]), [["hub", "10-main.toml"]])
      assert.isTrue(logs.lines.some((l) =>
        l.level === "Warn" && l.message.includes(`20-copy.toml: server id "hub" is already used by 10-main.toml`)
      ))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("creates a missing directory and says so", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const parent = yield* fs.makeTempDirectoryScoped()
      const dir = NodePath.join(parent, "servers")
      const list = yield* Effect.gen(function*() {
        const { servers } = yield* ServersDirectory
        return yield* SubscriptionRef.get(servers)
      }).pipe(Effect.provide(ServersDirectory.layerDirectory(dir)))
      assert.deepStrictEqual(list, [])
      assert.isTrue(yield* fs.exists(dir))
      assert.isTrue(logs.lines.some((l) => l.level === "Info" && l.message.includes(`created the servers directory ${dir}`)))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })
})
