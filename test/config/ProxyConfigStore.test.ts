import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, FileSystem, Layer, SubscriptionRef } from "effect"
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
