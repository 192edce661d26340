/**
 * Who may run what, with real players (1.21.4): a player listed in `admins` is an admin only when
 * the proxy authenticated it (client_only, against a fake session server); the same name in
 * offline mode proves nothing. `player_commands` opens subcommands to everyone, never the
 * always-admin ones (warned about at start-up, as are unknown names), and is read live.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import packageJson from "../../package.json" with { type: "json" }
import { fakeSessions, NOTCH } from "../mode/intercepted/support.ts"
import { joinAndStay } from "../support/McClients.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { ask, chatLog, GREETER, recordingBackend } from "./support.ts"

const VERSION = "1.21.4"

describe("command permissions", () => {
  it.live("an offline player listed in admins is not an admin; a client_only one is; player_commands opens what it may, live", () =>
    Effect.gen(function*() {
      const fake = yield* fakeSessions
      const backend = yield* recordingBackend(VERSION)
      const permissions = (opened: string) => `[auth]\nsession_server = "${fake.url}"\n[permissions]\nadmins = ["Notch"]\nplayer_commands = [${opened}]\n[plugins.greeter]\npath = ${JSON.stringify(GREETER)}\n`
      const proxy = yield* startProxy({
        global: permissions(`"list", "KICK", "bogus"`),
        servers: {
          "online.toml": serverToml(["online.example.com"], [backend.server.address], `proxy_mode = "client_only"`),
          "offline.toml": serverToml(["offline.example.com"], [backend.server.address], `proxy_mode = "offline"`)
        }
      })
      assert.isTrue(proxy.logs.some((l) => l.level === "Warn" && l.message === "[permissions] player_commands: /ir kick is always admin-only and cannot be opened to players"))
      assert.isTrue(proxy.logs.some((l) => l.level === "Warn" && l.message === "[permissions] player_commands: 'bogus' is not an /ir subcommand; ignored"))

      const impostor = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "offline.example.com", "Notch"))
      yield* Effect.addFinalizer(() => Effect.sync(() => impostor.leave()))
      const impostorLog = chatLog(impostor.client)
      const asImpostor = (command: string, done?: (l: ReadonlyArray<string>) => boolean) => ask(impostor, impostorLog, command, done)
      assert.deepStrictEqual(yield* asImpostor("/ir kick Notch"), ["You don't have permission to use /ir kick."])
      assert.deepStrictEqual(yield* asImpostor("/ir version"), ["You don't have permission to use /ir version."])
      assert.deepStrictEqual(yield* asImpostor("/secret"), ["You don't have permission to use /secret."])
      assert.deepStrictEqual(yield* asImpostor("/ir list", (l) => l.length >= 2), ["1 player(s) online", "  offline: Notch"])
      const help = yield* asImpostor("/ir", (l) => l.some((x) => x.startsWith("/stall")))
      assert.deepStrictEqual(help, [
        "Proxy commands:",
        "/ir help [command] - commands you can use, or one in detail",
        "/ir list - players online, by server",
        "/hello - says hello",
        "/hi - says hello",
        "/boom",
        "/stall"
      ], "help lists what the player may use")

      const admin = yield* Effect.promise(() =>
        joinAndStay(VERSION, proxy.port, "online.example.com", NOTCH.name, { online: { sessionServer: fake.url, id: NOTCH.id } }))
      yield* Effect.addFinalizer(() => Effect.sync(() => admin.leave()))
      const adminLog = chatLog(admin.client)
      assert.deepStrictEqual(yield* ask(admin, adminLog, "/ir version"), [`infrarust-ts ${packageJson.version}`])
      assert.deepStrictEqual(yield* ask(admin, adminLog, "/secret"), ["The secret is 42."])

      // player_commands is read live: closed again, players may use no subcommand.
      proxy.writeGlobal(permissions(""))
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("configuration reloaded")), "the reload")
      assert.deepStrictEqual(yield* asImpostor("/ir list"), ["You don't have permission to use proxy commands."])
      assert.deepStrictEqual(yield* ask(admin, adminLog, "/ir list", (l) => l.length >= 3), ["2 player(s) online", "  offline: Notch", "  online: Notch"], "admins keep every subcommand")
      assert.deepStrictEqual(backend.commands, [])
    }), { timeout: 30_000 })
})
