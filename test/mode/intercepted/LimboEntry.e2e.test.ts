/**
 * The limbo in live sessions, with real minecraft-protocol players and backends, in a
 * configuration-phase version (1.21.4) and a Respawn-era one (1.12.2), and the example rules
 * handler (examples/plugins/limbo-rules.ts):
 * - a server with `limbo_handlers`: the login lands in the limbo first, the backend sees nobody
 *   until the player types /accept, then the player plays on the backend;
 * - a backend's kick answered with SendToLimbo: the player waits in the limbo, /accept takes it
 *   back to the server that kicked it (a second login there);
 * - `$limbo` from a plugin (players.send): the current server's handlers, then back;
 * - a backend that crashes under a player (no Disconnect packet, no fallback): the server's
 *   limbo handlers hold it, and it returns when they are done;
 * - a player who does not accept in time reads the handler's Deny reason (1.8.8).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type mc from "minecraft-protocol"
import { fileURLToPath } from "node:url"
import { mcServer } from "../../support/McPeers.ts"
import { waitUntil } from "../../support/Poll.ts"
import { awaitMessage, offlineServer, startProxy, switcherConfig, watchedPlayer } from "./switching.ts"

const RULES = fileURLToPath(new URL("../../../examples/plugins/limbo-rules.ts", import.meta.url))
const rules = (timeout = 20) =>
  `[plugins.limbo_rules]\npath = ${JSON.stringify(RULES)}\n[plugins.limbo_rules.config]\nrules = ["Be kind."]\ntimeout_seconds = ${timeout}\n`

/** How many log lines contain `text` (the session's own account of where the player went). */
const logged = (proxy: { logs: ReadonlyArray<{ message: string }> }, text: string) => proxy.logs.filter((l) => l.message.includes(text)).length

for (const version of ["1.21.4", "1.12.2"]) {
  describe(`the limbo in sessions (${version})`, () => {
    it.live("limbo_handlers: the player meets the rules first; /accept takes it to the server", () =>
      Effect.gen(function*() {
        const hub = yield* mcServer(version)
        const proxy = yield* startProxy({
          global: rules() + switcherConfig(),
          servers: { "hub.toml": offlineServer("hub", hub.address, `network = "main"\nlimbo_handlers = ["rules"]`) }
        })
        const w = yield* watchedPlayer(version, proxy.port, "hub", "Newcomer")
        w.player.client.chat("/rules")
        yield* awaitMessage(w, "Be kind.")
        assert.strictEqual(hub.logins(), 0, "the backend has seen nobody yet")
        assert.strictEqual(logged(proxy, "session started backend=limbo (the limbo, then 'hub')"), 1)
        w.player.client.chat("/accept")
        yield* waitUntil(() => logged(proxy, "switched Newcomer from the limbo to 'hub'") === 1, "the player at the hub")
        assert.strictEqual(hub.logins(), 1)
        assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("on-hub")))
        assert.deepStrictEqual(hub.chats, ["on-hub"])

        // `$limbo`: the current server's handlers, then back.
        w.player.client.chat("switch:$limbo")
        yield* awaitMessage(w, "switch-outcome:Switched")
        assert.strictEqual(logged(proxy, "sent Newcomer from 'hub' to the limbo"), 1)
        w.player.client.chat("/accept")
        yield* waitUntil(() => logged(proxy, "switched Newcomer from the limbo to 'hub'") === 2, "the player back at the hub")
        assert.strictEqual(hub.logins(), 2)
        assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("back")))
      }), { timeout: 40_000 })

    it.live("a kick answered with SendToLimbo: the player waits in the limbo, then returns to the server", () =>
      Effect.gen(function*() {
        const players: Array<mc.ServerClient> = []
        const hub = yield* mcServer(version, { onJoin: (c) => players.push(c) })
        const proxy = yield* startProxy({
          global: rules() + switcherConfig(`limbo_kicks = "rules"`),
          servers: { "hub.toml": offlineServer("hub", hub.address, `network = "main"`) }
        })
        const w = yield* watchedPlayer(version, proxy.port, "hub", "Kicked")
        yield* waitUntil(() => players.length === 1, "the player at the hub")
        players[0]!.end("restarting")
        yield* waitUntil(() => logged(proxy, "sent Kicked from 'hub' to the limbo") === 1, "the player in the limbo")
        w.player.client.chat("/accept")
        yield* waitUntil(() => logged(proxy, "switched Kicked from the limbo to 'hub'") === 1, "the player back at the hub")
        assert.strictEqual(hub.logins(), 2)
        assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("returned")))
      }), { timeout: 40_000 })

    it.live("a backend that crashes under the player of a server with limbo_handlers: the limbo holds it, then it returns", () =>
      Effect.gen(function*() {
        const players: Array<mc.ServerClient> = []
        const hub = yield* mcServer(version, { onJoin: (c) => players.push(c) })
        const proxy = yield* startProxy({
          global: rules(),
          servers: { "hub.toml": offlineServer("hub", hub.address, `network = "main"\nlimbo_handlers = ["rules"]`) }
        })
        const w = yield* watchedPlayer(version, proxy.port, "hub", "Survivor")
        w.player.client.chat("/accept")
        yield* waitUntil(() => players.length === 1, "the player at the hub")
        players[0]!.socket.destroy()
        yield* waitUntil(() => logged(proxy, "sent Survivor from 'hub' to the limbo") === 1, "the player in the limbo")
        w.player.client.chat("/accept")
        yield* waitUntil(() => players.length === 2, "the player back at the hub")
        assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("still-here")))
      }), { timeout: 40_000 })
  })
}

describe("the limbo in sessions: Deny", () => {
  it.live("a player who does not accept in time is disconnected with the handler's reason", () =>
    Effect.gen(function*() {
      const hub = yield* mcServer("1.8.8")
      const proxy = yield* startProxy({ global: rules(1), servers: { "hub.toml": offlineServer("hub", hub.address, `limbo_handlers = ["rules"]`) } })
      const w = yield* watchedPlayer("1.8.8", proxy.port, "hub", "Idler")
      const reason = yield* Effect.promise(() => w.player.kicked)
      assert.include(reason, "You did not accept the rules in time.")
      assert.strictEqual(hub.logins(), 0)
    }), { timeout: 30_000 })
})
