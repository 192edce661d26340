/**
 * The built-in queue limbo handler with real minecraft-protocol players and backend, in offline
 * mode: a server with max_players = 1 and limbo_handlers = ["queue"]. The first player goes in at
 * once; the next ones wait in order, read their position in chat and the action bar, and get in
 * one by one as the player before them leaves; a waiting player who disconnects frees its place.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mcServer } from "../../support/McPeers.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"
import { awaitText, recordedPlayer } from "./support.ts"

const VERSION = "1.21.4"
const HOST = "hub.test"

describe("queue", () => {
  it.live("max_players = 1: order kept, positions shown, each gets in as the one before leaves", () =>
    Effect.gen(function*() {
      const hub = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        // Four logins from 127.0.0.1 in a few seconds: the per-IP login limit would turn some away.
        global: `[rate_limit]\nmax_connections = 100\n`,
        servers: { "hub.toml": serverToml([HOST], [hub.address], `proxy_mode = "offline"\nmax_players = 1\nlimbo_handlers = ["queue"]`) }
      })
      const atHub = (name: string, n = 1) =>
        waitUntil(() => proxy.logs.filter((l) => l.message.includes(`switched ${name} from the limbo to 'hub'`)).length === n, `${name} at the hub`, 10_000)
      const join = (name: string) => recordedPlayer(VERSION, proxy.port, HOST, name)

      const first = yield* join("First")
      yield* atHub("First")
      assert.isTrue(yield* Effect.promise(() => first.player.chatEchoed("first-here")), "the first plays on the hub")

      const second = yield* join("Second")
      yield* awaitText(second, "system_chat", ["hub is full. You are number ", "1", " in the queue."])
      yield* awaitText(second, "action_bar", ["position §e1§7 of §e1"])
      const third = yield* join("Third")
      yield* awaitText(third, "system_chat", ["number ", "§62"])
      yield* awaitText(third, "action_bar", ["position §e2§7 of §e2"])
      yield* awaitText(second, "action_bar", ["position §e1§7 of §e2"])
      assert.strictEqual(hub.logins(), 1, "nobody but the first reached the hub")

      // A fourth joins behind the third, then the third gives up: the fourth moves up.
      const fourth = yield* join("Fourth")
      yield* awaitText(fourth, "action_bar", ["position §e3§7 of §e3"])
      third.player.leave()
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("Third left the queue for 'hub'")), `the third out of the line ${proxy.logs.filter((l) => l.message.includes("Third")).map((l) => l.message).join(" / ")}`)
      yield* awaitText(fourth, "action_bar", ["position §e2§7 of §e2"])

      first.player.leave()
      yield* atHub("Second")
      yield* awaitText(second, "system_chat", ["A slot is free: connecting you to §ehub"])
      yield* awaitText(fourth, "action_bar", ["position §e1§7 of §e1"])
      assert.isTrue(yield* Effect.promise(() => second.player.chatEchoed("second-here")))
      assert.strictEqual(hub.logins(), 2)

      second.player.leave()
      yield* atHub("Fourth")
      assert.isTrue(yield* Effect.promise(() => fourth.player.chatEchoed("fourth-here")))
      assert.strictEqual(hub.logins(), 3)
      const order = proxy.logs.filter((l) => l.message.includes("from the limbo to 'hub'")).map((l) => l.message.split(" ")[1])
      assert.deepStrictEqual(order, ["First", "Second", "Fourth"])
    }), { timeout: 60_000 })
})
