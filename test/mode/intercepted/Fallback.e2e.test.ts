/**
 * Fallback, network rules and a switch under chat load, with real minecraft-protocol peers, in a
 * configuration-phase version (1.21.4) and a Respawn-era one (1.12.2):
 * - backend A crashes under a playing player (its socket reset, no Disconnect packet): the
 *   player lands on A's fallback B, is told why, and plays on; without a fallback it is
 *   disconnected with the backend's reason;
 * - a switch to a server outside the player's network is refused with a chat message and the
 *   player stays where it was;
 * - while the player chats as fast as it can, nothing it sent for A's play state reaches B;
 * and the fallback example of docs/switching.md, run as written. SwitchBots.e2e.test.ts crashes a
 * backend under mineflayer bots on flying-squid, for every version flying-squid hosts.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import type mc from "minecraft-protocol"
import { docBlock } from "../../support/DocBlocks.ts"
import { mcServer } from "../../support/McPeers.ts"
import { waitUntil } from "../../support/Poll.ts"
import { awaitMessage, offlineServer, startProxy, switcherConfig, watchedPlayer } from "./switching.ts"

/** A backend whose players' connections can be cut without a Disconnect packet, as a crash does. */
const crashable = (version: string) =>
  Effect.gen(function*() {
    const players: Array<mc.ServerClient> = []
    const server = yield* mcServer(version, { onJoin: (c) => players.push(c) })
    return { server, crash: () => players.forEach((p) => p.socket.destroy()) }
  })

for (const version of ["1.21.4", "1.12.2"]) {
  describe(`fallback and network rules (${version})`, () => {
    it.live("a crashed backend moves the player to its fallback, which it plays on", () =>
      Effect.gen(function*() {
        const a = yield* crashable(version)
        const b = yield* mcServer(version)
        const proxy = yield* startProxy({
          global: switcherConfig(),
          servers: {
            "a.toml": offlineServer("a", a.server.address, `network = "main"\nfallback = ["gone", "b"]`),
            "b.toml": offlineServer("b", b.address, `network = "main"`)
          }
        })
        const w = yield* watchedPlayer(version, proxy.port, "a")
        a.crash()
        yield* awaitMessage(w, "You were moved to 'b'")
        assert.isTrue(w.messages.some((m) => m.includes("Lost connection to the server")), "told why")
        assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("on-b")))
        assert.deepStrictEqual(b.chats, ["on-b"])
        assert.isTrue(proxy.logs.some((l) => l.message.includes("could not be moved to 'gone'")), "unknown fallbacks are skipped")
      }), { timeout: 30_000 })

    it.live("without a fallback the player is disconnected with the backend's reason", () =>
      Effect.gen(function*() {
        const a = yield* crashable(version)
        const proxy = yield* startProxy({ servers: { "a.toml": offlineServer("a", a.server.address, `network = "main"`) } })
        const w = yield* watchedPlayer(version, proxy.port, "a")
        a.crash()
        const reason = yield* Effect.promise(() => w.player.kicked)
        assert.include(reason, "Lost connection to the server")
      }), { timeout: 30_000 })

    it.live("a switch out of the network is refused and the player stays", () =>
      Effect.gen(function*() {
        const a = yield* mcServer(version)
        const c = yield* mcServer(version)
        const d = yield* mcServer(version)
        const proxy = yield* startProxy({
          global: switcherConfig(),
          servers: {
            "a.toml": offlineServer("a", a.address, `network = "main"`),
            "c.toml": offlineServer("c", c.address),
            "d.toml": offlineServer("d", d.address, `network = "other"`)
          }
        })
        const w = yield* watchedPlayer(version, proxy.port, "a")
        w.player.client.chat("switch:c")
        yield* awaitMessage(w, "switch-outcome:Refused:server 'c' belongs to no network")
        assert.isTrue(w.messages.some((m) => m.includes("Server switch failed: server 'c' belongs to no network")))
        w.player.client.chat("switch:d")
        yield* awaitMessage(w, "switch-outcome:Refused:servers are in different networks: 'main' vs 'other'")
        w.player.client.chat("switch:nowhere")
        yield* awaitMessage(w, "switch-outcome:Refused:unknown server: nowhere")
        assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("still-on-a")))
        assert.deepStrictEqual(a.chats, ["still-on-a"])
        assert.strictEqual(c.logins() + d.logins(), 0)
      }), { timeout: 30_000 })

    it.live("under chat load, nothing of A's play state reaches B", () =>
      Effect.gen(function*() {
        const a = yield* mcServer(version)
        const b = yield* mcServer(version)
        const proxy = yield* startProxy({
          global: switcherConfig(),
          servers: { "a.toml": offlineServer("a", a.address, `network = "main"`), "b.toml": offlineServer("b", b.address, `network = "main"`) }
        })
        const w = yield* watchedPlayer(version, proxy.port, "a")
        const client = w.player.client as unknown as { on: (e: string, l: () => void) => void; chat: (m: string) => void }
        // Messages sent before the client left A's world (Start Configuration, or B's Join Game) belong to A.
        let onA = true
        let sent = 0
        client.on("start_configuration", () => (onA = false))
        client.on("login", () => (onA = false))
        // Several per tick, so some are still on their way when the client leaves A's world.
        const flood = setInterval(() => {
          for (let i = 0; i < 4 && onA; i++) client.chat(`old-${sent++}`)
        }, 1)
        yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(flood)))
        yield* waitUntil(() => a.chats.length >= 5, "chat flowing to A")
        client.chat("switch:b")
        yield* awaitMessage(w, "switch-outcome:Switched")
        clearInterval(flood)
        assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("new-on-b")))
        assert.deepStrictEqual(b.chats, ["new-on-b"], "B received only what was sent on B")
        assert.isAbove(sent, a.chats.length, "some of A's chat was in flight during the switch")
      }), { timeout: 30_000 })
  })
}

describe("docs/switching.md, as written", () => {
  it.live("survival's players land on hub, its first fallback, when survival crashes", () =>
    Effect.gen(function*() {
      const version = "1.21.4"
      const hub = yield* mcServer(version)
      const survival = yield* crashable(version)
      const lobby = yield* mcServer(version)
      const server = (block: string, address: string) =>
        docBlock("switching.md", block).replace(/\d+\.\d+\.\d+\.\d+:25565/, address)
      const proxy = yield* startProxy({
        servers: {
          "hub.toml": server("switching-hub", hub.address),
          "survival.toml": server("switching-survival", survival.server.address),
          "lobby.toml": offlineServer("lobby", lobby.address, `network = "main"`)
        }
      })
      const w = yield* watchedPlayer(version, proxy.port, "survival")
      survival.crash()
      yield* awaitMessage(w, "You were moved to 'hub'")
      assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("on-hub")))
      assert.deepStrictEqual(hub.chats, ["on-hub"])
      assert.strictEqual(lobby.logins(), 0)
    }), { timeout: 30_000 })
})
