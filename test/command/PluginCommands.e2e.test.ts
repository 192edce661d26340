/**
 * Commands registered by test plugins (test/support/plugins/commands.ts and commands-rival.ts),
 * run by a real 1.21.4 player: a handler's reply, an alias and the words it gets, an admin-only
 * command refused to a player, a failing handler and one cut off by listener_timeout (the player
 * reads that it failed, the log names the plugin), one command at a time per player, a name
 * another plugin holds (reachable through /ir plugin), and names a plugin cannot have.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { joinAndStay } from "../support/McClients.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { ask, chatLog, GREETER, recordingBackend } from "./support.ts"

const RIVAL = fileURLToPath(new URL("../support/plugins/commands-rival.ts", import.meta.url))
const VERSION = "1.21.4"

describe("plugin commands", () => {
  it.live("run for the player with their words, by name or alias; refused, failed and cut-off commands say so", () =>
    Effect.gen(function*() {
      const backend = yield* recordingBackend(VERSION)
      const proxy = yield* startProxy({
        global: `[plugins.greeter]\npath = ${JSON.stringify(GREETER)}\nlistener_timeout = "500ms"\n[plugins.rival]\npath = ${JSON.stringify(RIVAL)}\n`,
        servers: { "mc.toml": serverToml(["play.example.com"], [backend.server.address], `proxy_mode = "offline"`) }
      })
      const player = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", "alex"))
      yield* Effect.addFinalizer(() => Effect.sync(() => player.leave()))
      const log = chatLog(player.client)
      const one = (command: string) => ask(player, log, command)

      assert.deepStrictEqual(yield* one("/hello"), ["Hello, alex!"])
      assert.deepStrictEqual(yield* one("/HI there  friend"), ["Hello, there!"])
      const runs = readFileSync(join(proxy.dir, "plugins", "greeter", "runs.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as unknown)
      assert.deepStrictEqual(runs[1], { command: "hello", player: "alex", label: "hi", args: ["there", "friend"], rest: "there  friend", admin: false })
      assert.deepStrictEqual(yield* one("/secret"), ["You don't have permission to use /secret."])
      assert.deepStrictEqual(yield* one("/boom"), ["/boom failed. Please tell an admin."])
      assert.isTrue(proxy.logs.some((l) => l.message.includes("plugin 'greeter': its /boom command failed")))

      const stalled = log.length
      player.client.chat("/stall")
      assert.deepStrictEqual(yield* one("/hello"), ["Your last command is still running."])
      yield* waitUntil(() => log.slice(stalled).includes("/stall failed. Please tell an admin."), "the stalled command cut off")
      assert.isTrue(proxy.logs.some((l) => l.message.includes("plugin 'greeter': its /stall command took longer than 500ms and was cut off")))
      assert.deepStrictEqual(yield* one("/hello again"), ["Hello, again!"], "commands run again after the cut-off")

      // The greeter registered /hello first; the rival's is reachable through /ir plugin (for admins).
      assert.isTrue(proxy.logs.some((l) => l.message.includes("plugin 'rival': /hello is already plugin 'greeter''s; use /ir plugin rival hello")))
      assert.strictEqual(readFileSync(join(proxy.dir, "plugins", "rival", "refused.txt"), "utf8"), "plugin 'rival' cannot register /ir: it is the proxy's own command")
      assert.deepStrictEqual(backend.commands, [], "the backend saw none of them")
    }), { timeout: 30_000 })
})
