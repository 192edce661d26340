import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FileSystem, Layer, SubscriptionRef } from "effect"
import * as NodePath from "node:path"
import { configDirectory, resolveConfigPaths } from "../../src/config/ConfigPaths.ts"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { ServersDirectory } from "../../src/config/ServersDirectory.ts"
import { loadFavicon } from "../../src/status/Favicon.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { expectOk } from "./support.ts"
import { parseProxyConfig } from "../../src/config/ConfigLoader.ts"

/** A 64x64 PNG header: enough for the favicon check (signature + IHDR size). */
const png64 = () => {
  const bytes = new Uint8Array(33)
  bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
  new DataView(bytes.buffer).setUint32(16, 64)
  new DataView(bytes.buffer).setUint32(20, 64)
  return bytes
}

describe("ConfigPaths", () => {
  it("resolves every path key against the config directory and keeps absolute ones", () => {
    const { config } = expectOk(parseProxyConfig(
      `servers_dir = "srv"\nplugins_dir = "../plug"\n[ban]\nfile = "/var/lib/bans.json"\n` +
        `[forwarding]\nmode = "velocity"\nsecret_file = "fw.secret"\n[plugins.hello]\npath = "hello.ts"\n`,
      "infrarust.toml"
    ))
    const resolved = resolveConfigPaths(config, "/etc/infrarust")
    assert.strictEqual(resolved.serversDir, "/etc/infrarust/srv")
    assert.strictEqual(resolved.pluginsDir, "/etc/plug")
    assert.strictEqual(resolved.ban.file, "/var/lib/bans.json")
    assert.strictEqual(resolved.forwarding?.secretFile, "/etc/infrarust/fw.secret")
    assert.strictEqual(resolved.plugins["hello"]?.path, "/etc/infrarust/hello.ts")
    assert.strictEqual(configDirectory("infrarust.toml"), process.cwd())
  })

  it.live("the store serves the servers beside the config file, not the working directory's, and logs them absolute", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      // The working directory (the repository) has its own ./servers: they must not be served.
      assert.isTrue(yield* fs.exists(NodePath.join(process.cwd(), "servers")))
      yield* fs.makeDirectory(NodePath.join(dir, "servers"))
      yield* fs.writeFileString(NodePath.join(dir, "servers", "lobby.toml"), `domains = ["lobby.test"]\naddresses = ["127.0.0.1:1"]\n[server_manager]\ntype = "local"\ncommand = "java"\nworking_dir = "lobby"\n`)
      yield* fs.writeFileString(NodePath.join(dir, "icon.png"), "")
      yield* fs.writeFile(NodePath.join(dir, "icon.png"), png64())
      const path = NodePath.join(dir, "infrarust.toml")
      yield* fs.writeFileString(path, `servers_dir = "./servers"\n[ban]\nfile = "bans.json"\n`)
      yield* Effect.gen(function*() {
        const store = yield* ProxyConfigStore
        const config = yield* SubscriptionRef.get(store.config)
        assert.strictEqual(config.serversDir, NodePath.join(dir, "servers"))
        assert.strictEqual(config.ban.file, NodePath.join(dir, "bans.json"))
        assert.strictEqual(config.pluginsDir, NodePath.join(dir, "plugins"))
        const servers = yield* SubscriptionRef.get((yield* ServersDirectory).servers)
        assert.deepStrictEqual(servers.map((s) => s.id), ["lobby"])
        const manager = servers[0]?.config.serverManager
        assert.strictEqual(manager?.type === "local" ? manager.workingDir : undefined, NodePath.join(dir, "lobby"))
        assert.isTrue(logs.lines.some((l) => l.message === `loaded 1 server from ${NodePath.join(dir, "servers")}: lobby`))
        assert.isTrue(logs.lines.some((l) => l.message === `configuration loaded from ${path}`))
        // A favicon path is read beside the config file too.
        const uri = yield* loadFavicon("icon.png", configDirectory(store.path))
        assert.isTrue(uri.startsWith("data:image/png;base64,"))
      }).pipe(Effect.provide(ServersDirectory.layer.pipe(Layer.provideMerge(ProxyConfigStore.layer(path)))))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("--plugins-dir wins over plugins_dir, resolved against the working directory, and after a reload too", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = NodePath.join(dir, "infrarust.toml")
      yield* fs.writeFileString(path, `plugins_dir = "mine"\n`)
      yield* Effect.gen(function*() {
        const store = yield* ProxyConfigStore
        assert.strictEqual((yield* SubscriptionRef.get(store.config)).pluginsDir, NodePath.resolve("cli-plugins"))
        yield* fs.writeFileString(path, `plugins_dir = "other"\nmax_connections = 4\n`)
        yield* store.reload
        const config = yield* SubscriptionRef.get(store.config)
        assert.strictEqual(config.maxConnections, 4)
        assert.strictEqual(config.pluginsDir, NodePath.resolve("cli-plugins"))
      }).pipe(Effect.provide(ProxyConfigStore.layer(path, { pluginsDir: "cli-plugins" })))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))))
})
