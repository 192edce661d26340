import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, FileSystem, Layer, Stream, SubscriptionRef } from "effect"
import * as NodePath from "node:path"
import { ConfigError } from "../../src/config/ConfigError.ts"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { eventually, waitFor } from "./support.ts"

describe("ProxyConfigStore", () => {
  it.live("publishes a valid edit and keeps the last good config on a broken one", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = NodePath.join(dir, "infrarust.toml")
      yield* fs.writeFileString(path, `[rate_limit]\nmax_connections = 5\n`)
      yield* Effect.gen(function*() {
        const { config } = yield* ProxyConfigStore
        assert.strictEqual((yield* SubscriptionRef.get(config)).rateLimit.maxConnections, 5)

        yield* fs.writeFileString(path, `[rate_limit]\nmax_connections = 7\nwindow = "1m"\n`)
        const edited = yield* waitFor(config, (c) => c.rateLimit.maxConnections === 7)
        assert.strictEqual(Duration.toMillis(edited.rateLimit.window), 60_000)

        yield* fs.writeFileString(path, `[rate_limit]\nmax_connections = "lots"\n`)
        yield* eventually(() =>
          logs.lines.some((l) =>
            l.level === "Warn" &&
            l.message.includes(`infrarust.toml: rate_limit.max_connections: expected a whole number, got "lots"`) &&
            l.message.includes("keeping the previous configuration")
          )
        )
        assert.strictEqual((yield* SubscriptionRef.get(config)).rateLimit.maxConnections, 7)

        // Editors save by writing a temporary file and renaming it over the original.
        const temp = NodePath.join(dir, ".infrarust.toml.tmp")
        yield* fs.writeFileString(temp, `[rate_limit]\nmax_connections = 9\n`)
        yield* fs.rename(temp, path)
        yield* waitFor(config, (c) => c.rateLimit.maxConnections === 9)
      }).pipe(Effect.provide(ProxyConfigStore.layer(path)))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("a file written in two steps with a gap is read whole: the prefix that parses never applies", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = NodePath.join(dir, "infrarust.toml")
      const full = `[rate_limit]\nmax_connections = 2\nstatus_max = 50\n[ban]\nfile = "custom-bans.json"\n`
      yield* fs.writeFileString(path, full)
      yield* Effect.gen(function*() {
        const { config } = yield* ProxyConfigStore
        const published: Array<string> = []
        yield* SubscriptionRef.changes(config).pipe(
          Stream.runForEach((c) => Effect.sync(() => published.push(`${NodePath.relative(dir, c.ban.file)} ${c.rateLimit.maxConnections}`))),
          Effect.forkScoped
        )
        // A deploy tool rewriting in place: the first part (it parses, and has no [ban]), a pause, the rest.
        const edited = full.replace("max_connections = 2", "max_connections = 1")
        yield* fs.writeFileString(path, edited.slice(0, edited.indexOf("[ban]")))
        yield* Effect.sleep("300 millis")
        yield* fs.writeFileString(path, edited)
        yield* waitFor(config, (c) => c.rateLimit.maxConnections === 1)
        yield* Effect.sleep("1500 millis")
        assert.deepStrictEqual(published, ["custom-bans.json 2", "custom-bans.json 1"], "only whole files were published")
        assert.isFalse(logs.lines.some((l) => l.level === "Warn"), logs.lines.map((l) => l.message).join("\n"))
      }).pipe(Effect.provide(ProxyConfigStore.layer(path)))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("an edit that weakens security is logged at WARN with what it loosens", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = NodePath.join(dir, "infrarust.toml")
      yield* fs.writeFileString(path, [
        `file_settle = "100ms"`,
        `receive_proxy_protocol = true`,
        `trusted_proxies = ["10.0.0.10"]`,
        `[rate_limit]\nmax_connections = 3\nstatus_max = 100`,
        `[ip_filter]\nblacklist = ["203.0.113.0/24"]`,
        `[ban]\nfile = "a.json"`
      ].join("\n"))
      yield* Effect.gen(function*() {
        const { config } = yield* ProxyConfigStore
        yield* fs.writeFileString(path, [
          `file_settle = "100ms"`,
          `receive_proxy_protocol = true`,
          `[rate_limit]\nmax_connections = 0\nstatus_max = 500`,
          `[ban]\nfile = "b.json"`
        ].join("\n"))
        yield* waitFor(config, (c) => c.ban.file === NodePath.join(dir, "b.json"))
        const warnings = logs.lines.filter((l) => l.level === "Warn").map((l) => l.message)
        assert.strictEqual(warnings.length, 1, warnings.join("\n"))
        for (const phrase of [
          "this edit weakens security",
          `[ban] file changed from ${NodePath.join(dir, "a.json")} to ${NodePath.join(dir, "b.json")} (the bans in memory are carried over)`,
          "max_connections = 0 turns the login limit off (was 3)",
          "status limit raised from 100 per 10s to 500 per 10s",
          "[ip_filter] removed",
          "receive_proxy_protocol without trusted_proxies"
        ]) assert.include(warnings[0], phrase)
      }).pipe(Effect.provide(ProxyConfigStore.layer(path)))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  })

  it.live("fails to start with the file's error", () =>
    Effect.gen(function*() {
      const fs = yield* FileSystem.FileSystem
      const dir = yield* fs.makeTempDirectoryScoped()
      const path = NodePath.join(dir, "infrarust.toml")
      yield* fs.writeFileString(path, `bind = "0.0.0.0:99999"\n`)
      const start = (file: string) => Effect.scoped(Layer.build(ProxyConfigStore.layer(file)))
      const broken = yield* Effect.flip(start(path))
      assert.strictEqual(broken.path, "bind")
      assert.include(broken.message, `infrarust.toml: bind: expected a listen address`)
      const missing = yield* Effect.flip(start(NodePath.join(dir, "nope.toml")))
      assert.instanceOf(missing, ConfigError)
      assert.strictEqual(missing.reason, "Unreadable")
      assert.include(missing.message, "nope.toml: file not found")
    }).pipe(Effect.provide(NodeFileSystem.layer)))
})
