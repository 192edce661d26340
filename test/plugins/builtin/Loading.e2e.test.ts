/**
 * How the built-in plugins load (src/plugin/BuiltinPlugins.ts): by default, with no table; not at
 * all with `enabled = false`; replaced by a configured plugin of the same id; and a built-in makes
 * no data directory until it writes there.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { mcServer } from "../../support/McPeers.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"
import { awaitText, recordedPlayer } from "./support.ts"

const OWN_AUTH = fileURLToPath(new URL("../../support/plugins/own-auth.ts", import.meta.url))
const loadedLine = (id: string) => (l: { message: string }) => l.message.startsWith(`plugin '${id}' `) && l.message.includes(" loaded from (built-in)")

describe("built-in plugins: loading", () => {
  it.live("loaded by default, with no data directories made", () =>
    Effect.gen(function*() {
      const proxy = yield* startProxy({})
      for (const id of ["server_wake", "queue", "auth"]) assert.isTrue(proxy.logs.some(loadedLine(id)), `${id} loaded`)
      // (plugins_dir itself is made by the WebAssembly host, which watches it.)
      for (const id of ["server_wake", "queue", "auth"]) assert.isFalse(existsSync(join(proxy.dir, "plugins", id)), `no ${id} directory`)
    }))

  it.live("enabled = false keeps one out; a configured plugin of the same id replaces it and holds its handler name", () =>
    Effect.gen(function*() {
      const hub = yield* mcServer("1.21.4")
      const proxy = yield* startProxy({
        global: `[plugins.queue]\nenabled = false\n[plugins.auth]\npath = ${JSON.stringify(OWN_AUTH)}\n`,
        servers: { "hub.toml": serverToml(["hub.test"], [hub.address], `proxy_mode = "offline"\nlimbo_handlers = ["auth"]`) }
      })
      assert.isFalse(proxy.logs.some(loadedLine("queue")))
      assert.isTrue(proxy.logs.some((l) => l.message === "plugin 'queue' is disabled ([plugins.queue] enabled = false)"))
      assert.isFalse(proxy.logs.some(loadedLine("auth")))
      assert.isTrue(proxy.logs.some((l) => l.message === `plugin 'auth' from ${OWN_AUTH} replaces the built-in one`))
      assert.isTrue(proxy.logs.some(loadedLine("server_wake")))
      const player = yield* recordedPlayer("1.21.4", proxy.port, "hub.test", "Steve")
      yield* awaitText(player, "system_chat", ["the admin's own auth"])
    }), { timeout: 30_000 })
})
