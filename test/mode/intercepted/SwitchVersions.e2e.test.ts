/**
 * Server switching for every version minecraft-protocol speaks (1.7 to the newest): a player on
 * backend A asks the switcher test plugin for B (`players.send`); it gets what a world change
 * needs for its version — a Start Configuration and a new Join Game from 1.20.2, else the new
 * Join Game and one Respawn (two before 1.16, the first into another dimension) — then chats
 * on B (B sees it, A's connection is closed and A saw nothing) and answers B's keep-alives.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mcServer } from "../../support/McPeers.ts"
import { waitUntil } from "../../support/Poll.ts"
import { VERSIONS } from "./support.ts"
import { awaitMessage, offlineServer, startProxy, switcherConfig, watchedPlayer } from "./switching.ts"
import mcData from "minecraft-data"

const switchOnce = (version: string) =>
  Effect.gen(function*() {
    const protocol = mcData(version).version.version ?? 0
    const a = yield* mcServer(version)
    const b = yield* mcServer(version)
    const proxy = yield* startProxy({
      global: switcherConfig(),
      servers: { "a.toml": offlineServer("a", a.address, `network = "main"`), "b.toml": offlineServer("b", b.address, `network = "main"`) }
    })
    const w = yield* watchedPlayer(version, proxy.port, "a")
    w.player.client.chat("switch:b")
    yield* awaitMessage(w, "switch-outcome:Switched").pipe(Effect.tapDefect(() => Effect.sync(() => console.log(proxy.logs.map((l) => l.message).join("\n")))))
    assert.strictEqual(w.logins.length, 1, "the new server's Join Game")
    if (protocol >= 764) {
      assert.strictEqual(w.starts(), 1, "Start Configuration")
      assert.strictEqual(w.respawns.length, 0)
    } else if (protocol >= 735) {
      assert.strictEqual(w.respawns.length, 1, "one Respawn")
      assert.deepStrictEqual(w.respawns[0]!["worldName"], w.logins[0]!["worldName"])
    } else {
      assert.strictEqual(w.respawns.length, 2, "a Respawn into another dimension, then the real one")
      assert.notStrictEqual(w.respawns[0]!["dimension"], w.logins[0]!["dimension"])
      assert.strictEqual(w.respawns[1]!["dimension"], w.logins[0]!["dimension"])
    }
    const seen = w.player.keepAlives()
    assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("hello-b")), "chat echoed by B")
    assert.deepStrictEqual(b.chats, ["hello-b"])
    assert.deepStrictEqual(a.chats, [])
    yield* waitUntil(() => a.online() === 0, "A's connection closed")
    yield* waitUntil(() => w.player.keepAlives() >= seen + 2 && b.keepAlivesAnswered() >= 2, "B's keep-alives answered", 8000)
    assert.isTrue(proxy.logs.some((l) => l.message.includes("switched Steve from 'a' to 'b'")))
  })

describe("server switching: every version", () => {
  for (const version of VERSIONS) {
    it.live(`${version}: A → B by a plugin, world change, chat and keep-alives on B`, () => switchOnce(version), { timeout: 30_000 })
  }
})
