/**
 * server_wake with a mineflayer bot and a real flying-squid server that the local provider
 * starts on demand (test/support/ManagedSquid.ts, a slow boot): the bot spawns in the limbo and
 * reads the "Server Starting" title while the server boots, then spawns on it (the overworld,
 * where the limbo is the End) and walks there.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { localManaged } from "../../server-manager/support/LocalManaged.ts"
import { spawnBot } from "../../support/FlyingSquid.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"

const SCRIPT = fileURLToPath(new URL("../../support/ManagedSquid.ts", import.meta.url))
const VERSION = "1.20.4"
const HOST = "survival.test"

describe("server_wake with a mineflayer bot", () => {
  it.live("the bot waits in the limbo with the title while flying-squid boots, then spawns on it and walks", () =>
    Effect.gen(function*() {
      const { port, table: manager } = yield* localManaged(
        SCRIPT,
        (port) => ["--port", String(port), "--version", VERSION, "--ready-delay", "1500"],
        [`start_timeout = "60s"`, `shutdown_timeout = "5s"`]
      )
      const proxy = yield* startProxy({
        global: `[plugins.server_wake.config.timing]\ntitle_refresh_interval_seconds = 1\n`,
        servers: { "survival.toml": serverToml([HOST], [`127.0.0.1:${port}`], `proxy_mode = "offline"\nlimbo_handlers = ["server_wake"]\n${manager}`) }
      })
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("survival") && l.message.includes("sleeping")), "the first poll", 10_000)

      const titles: Array<string> = []
      const bot = yield* Effect.promise(() => spawnBot(VERSION, proxy.port, HOST, "Sleeper", 20_000))
      yield* Effect.addFinalizer(() => Effect.sync(() => bot.end()))
      bot.on("title", (text: string) => void titles.push(JSON.stringify(text)))
      assert.include(String(bot.game.dimension), "end", "spawned in the limbo")
      yield* waitUntil(() => titles.some((t) => t.includes("Server Starting")), `the starting title (got ${titles.join(" | ")})`, 10_000)

      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("switched Sleeper from the limbo to 'survival'")), "the switch to survival", 60_000)
      yield* waitUntil(() => String(bot.game.dimension).includes("overworld") && bot.entity !== undefined, `the overworld (in ${bot.game.dimension})`, 20_000)
      const start = bot.entity.position.clone()
      bot.setControlState("forward", true)
      yield* waitUntil(() => bot.entity.position.distanceTo(start) > 0.5, "the bot to walk", 10_000)
      bot.setControlState("forward", false)
    }), { timeout: 120_000 })
})
