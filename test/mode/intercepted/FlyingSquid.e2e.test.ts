/**
 * A mineflayer bot (a full client: physics, world, chat) plays on a flying-squid server through
 * the proxy in offline mode: it spawns, walks forward for a second — the server sees it move —,
 * chats (the server reads it) and reads the server's broadcast. One flying-squid per version.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { spawnBot, startSquid } from "../../support/FlyingSquid.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"

const VERSIONS = ["1.8.8", "1.12.2", "1.16.5", "1.20.4", "1.21.4"]

describe("a mineflayer bot on flying-squid through offline mode", () => {
  for (const version of VERSIONS) {
    it.live(`${version}: spawns, walks, chats both ways`, () =>
      Effect.gen(function*() {
        const squid = yield* Effect.acquireRelease(Effect.promise(() => startSquid(version)), (s) => Effect.promise(() => s.close()))
        const proxy = yield* startProxy({ servers: { "squid.toml": serverToml(["squid.test"], [squid.address], `proxy_mode = "offline"`) } })
        const bot = yield* Effect.acquireRelease(Effect.promise(() => spawnBot(version, proxy.port, "squid.test", "Walker")), (b) => Effect.sync(() => b.end()))
        yield* waitUntil(() => squid.positionOf("Walker") !== undefined, "the server to place the bot")
        const start = squid.positionOf("Walker")!
        bot.setControlState("forward", true)
        yield* waitUntil(() => {
          const now = squid.positionOf("Walker")!
          return Math.hypot(now.x - start.x, now.z - start.z) > 2
        }, "the server to see the bot walk two blocks", 8000)
        bot.setControlState("forward", false)
        const heard = new Promise<string>((resolve) => bot.on("message", (m) => (m.toString().includes("hello-bot") ? resolve(m.toString()) : undefined)))
        bot.chat("hello-from-bot")
        yield* waitUntil(() => squid.chats.some((c) => c.player === "Walker" && c.message === "hello-from-bot"), "the server to read the chat")
        squid.broadcast("hello-bot")
        assert.include(yield* Effect.promise(() => heard), "hello-bot")
      }), { timeout: 30_000 })
  }
})
