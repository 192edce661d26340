/**
 * `/ir` in real sessions (1.21.4, minecraft-protocol players and backends through the proxy):
 * every subcommand's reply as an admin reads it in chat, kicks and broadcasts as the other
 * players see them, the commands never reaching the backend, and unknown commands reaching it
 * untouched, on 1.21.4 (chat_command) and 1.12.2 (chat with a slash).
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import packageJson from "../../package.json" with { type: "json" }
import { fakeSessions, NOTCH } from "../mode/intercepted/support.ts"
import { joinAndStay, reasonText } from "../support/McClients.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { ask, chatLog, GREETER, recordingBackend } from "./support.ts"

const RIVAL = fileURLToPath(new URL("../support/plugins/commands-rival.ts", import.meta.url))

const VERSION = "1.21.4"

/** Notch (client_only, listed as admin) on lobby, bob (offline) on survival, both in network main; event is in another. */
const network = Effect.gen(function*() {
  const fake = yield* fakeSessions
  const lobby = yield* recordingBackend(VERSION)
  const survival = yield* recordingBackend(VERSION)
  const proxy = yield* startProxy({
    global: `[auth]\nsession_server = "${fake.url}"\n[permissions]\nadmins = ["${NOTCH.id}"]\n[plugins.greeter]\npath = ${JSON.stringify(GREETER)}\n[plugins.rival]\npath = ${JSON.stringify(RIVAL)}\n`,
    servers: {
      "lobby.toml": serverToml(["lobby.example.com"], [lobby.server.address], `proxy_mode = "client_only"\nnetwork = "main"`),
      "survival.toml": serverToml(["survival.example.com"], [survival.server.address], `proxy_mode = "offline"\nnetwork = "main"`),
      "event.toml": serverToml(["event.example.com"], [survival.server.address], `proxy_mode = "offline"\nnetwork = "event"`)
    }
  })
  const notch = yield* Effect.promise(() =>
    joinAndStay(VERSION, proxy.port, "lobby.example.com", NOTCH.name, { online: { sessionServer: fake.url, id: NOTCH.id } }))
  const bob = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "survival.example.com", "bob"))
  yield* Effect.addFinalizer(() => Effect.sync(() => (notch.leave(), bob.leave())))
  return { proxy, lobby, survival, notch, bob, notchLog: chatLog(notch.client), bobLog: chatLog(bob.client) }
})

describe("/ir commands", () => {
  it.live("an admin reads every subcommand's reply; none reaches the backend", () =>
    Effect.gen(function*() {
      const { lobby, notch, notchLog: log } = yield* network
      const one = (command: string) => ask(notch, log, command)
      const upTo = (command: string, last: string) => ask(notch, log, command, (l) => l.some((line) => line.includes(last)))

      assert.deepStrictEqual(yield* one("/ir version"), [`infrarust-ts ${packageJson.version}`])
      assert.deepStrictEqual(yield* upTo("/ir list", "survival:"), ["2 player(s) online", "  lobby: Notch", "  survival: bob"])
      assert.deepStrictEqual(yield* one("/infrarust find BOB"), ["bob is on survival."])
      assert.deepStrictEqual(yield* one("/ir find nobody"), ["Player 'nobody' is not online."])
      assert.deepStrictEqual(yield* upTo("/ir server", "Servers:"), ["You are on lobby.", "Servers: lobby (current), survival"], "not event: another network")
      assert.deepStrictEqual(yield* one("/ir server lobby"), ["You are already on lobby."])
      assert.deepStrictEqual(yield* one("/ir server LOBBY"), ["You are already on lobby."], "an id in any case")
      assert.deepStrictEqual(yield* one("/ir server nowhere"), ["Server 'nowhere' not found."])
      assert.deepStrictEqual(yield* upTo("/ir plugins", "auth"), ["Plugins (5):", "greeter 2.0.0", "rival 1.0.0", `server_wake ${packageJson.version}`, `queue ${packageJson.version}`, `auth ${packageJson.version}`])
      const pluginCommands = yield* upTo("/ir plugin greeter", "stall")
      assert.strictEqual(pluginCommands[0], "Commands of plugin 'greeter':")
      assert.include(pluginCommands, "/ir plugin greeter hello - says hello")
      assert.deepStrictEqual(yield* one("/ir plugin greeter hello Steve"), ["Hello, Steve!"])
      assert.deepStrictEqual(yield* one("/ir plugin rival hello"), ["The rival says hello to Notch."], "a name another plugin holds")
      assert.deepStrictEqual(yield* one("/hello"), ["Hello, Notch!"], "the first to register keeps the top-level name")
      assert.deepStrictEqual(yield* one("/ir plugin greeter nope"), ["Command 'nope' not found for plugin 'greeter'."])
      assert.deepStrictEqual(yield* one("/ir plugin nobody"), ["Plugin 'nobody' not found or has no commands."])
      assert.deepStrictEqual(yield* one("/ir reload"), ["Configuration auto-reloads when files change."])
      const help = yield* upTo("/ir help", "/stall")
      assert.strictEqual(help[0], "Proxy commands:")
      assert.include(help, "/ir kick <player> [reason] - disconnect a player")
      assert.include(help, "/ir broadcast <message> [--server <name>] - a message to every player, or to one server's")
      assert.include(help, "/hello - says hello")
      assert.include(help, "/secret - admins only")
      assert.deepStrictEqual(yield* upTo("/ir help send", "move a player"), ["/ir send <player> <server>", "move a player to a server"])
      assert.deepStrictEqual(yield* one("/ir bogus"), ["Unknown command 'bogus'. Try /ir help."])
      assert.deepStrictEqual(yield* one("/ir kick"), ["Usage: /ir kick <player> [reason]"])
      assert.deepStrictEqual(lobby.commands, [], "the backend saw none of them")
    }), { timeout: 60_000 })

  it.live("broadcast reaches every player, or one server's; kick shows its reason", () =>
    Effect.gen(function*() {
      const { bob, bobLog, notch, notchLog } = yield* network
      assert.deepStrictEqual(yield* ask(notch, notchLog, "/ir broadcast Server restarts  in 5 minutes", (l) => l.some((x) => x.startsWith("Broadcast"))), [
        "Server restarts  in 5 minutes",
        "Broadcast sent to 2 player(s)."
      ])
      yield* waitUntil(() => bobLog.includes("Server restarts  in 5 minutes"), "bob reads the broadcast")
      assert.deepStrictEqual(yield* ask(notch, notchLog, "/ir broadcast lobby only --server Lobby", (l) => l.some((x) => x.startsWith("Broadcast"))), [
        "lobby only",
        "Broadcast sent to 1 player(s) on lobby."
      ])
      assert.deepStrictEqual(yield* ask(notch, notchLog, "/ir broadcast hi --server nowhere"), ["Server 'nowhere' not found."])
      const kicked = bob.kicked
      assert.deepStrictEqual(yield* ask(notch, notchLog, "/ir kick bob being rude"), ["Kicked bob."])
      assert.include(reasonText(yield* Effect.promise(() => kicked)), "being rude")
      assert.notInclude(bobLog, "lobby only")
    }), { timeout: 30_000 })

  it.live("unknown commands reach the backend untouched, on 1.21.4 and 1.12.2; a server without a network offers no switch", () =>
    Effect.gen(function*() {
      for (const version of [VERSION, "1.12.2"]) {
        const backend = yield* recordingBackend(version)
        const proxy = yield* startProxy({
          global: `[permissions]\nplayer_commands = ["list", "server"]\n`,
          servers: { "mc.toml": serverToml(["play.example.com"], [backend.server.address], `proxy_mode = "offline"`) }
        })
        const player = yield* Effect.promise(() => joinAndStay(version, proxy.port, "play.example.com", "alex"))
        yield* Effect.addFinalizer(() => Effect.sync(() => player.leave()))
        const log = chatLog(player.client)
        player.client.chat("/help 2")
        player.client.chat("/tp  1 2 3")
        assert.deepStrictEqual(yield* ask(player, log, "/ir list", (l) => l.length >= 2), ["1 player(s) online", "  mc: alex"])
        assert.deepStrictEqual(yield* ask(player, log, "/ir server", (l) => l.length >= 2), ["You are on mc.", "You cannot switch servers from mc: it belongs to no network."])
        player.client.chat("/irx list")
        yield* waitUntil(() => backend.commands.length === 3, `${version}: the backend's commands`)
        assert.deepStrictEqual(backend.commands, ["help 2", "tp  1 2 3", "irx list"], version)
      }
    }), { timeout: 30_000 })
})
