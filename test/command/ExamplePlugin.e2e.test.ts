/**
 * examples/plugins/private-messages.ts, the worked example of docs/commands.md, loaded into the
 * real proxy with the page's own configuration block: alex and bob (offline, on two servers with
 * two backends) write to each other across servers, answer with /r, complete names, and are
 * refused /spy; Notch (client_only, listed in admins) spies on them. Every reply is the one the
 * page's table shows, and neither backend sees any of the commands.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { fakeSessions, NOTCH } from "../mode/intercepted/support.ts"
import { docBlock } from "../support/DocBlocks.ts"
import { joinAndStay } from "../support/McClients.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { ask, chatLog, protocolOf, recordingBackend, tabComplete } from "./support.ts"

const EXAMPLE = fileURLToPath(new URL("../../examples/plugins/private-messages.ts", import.meta.url))
const VERSION = "1.21.4"

/** The page's block, with the example's path made absolute for the test's working directory. */
const documentedConfig = () => {
  const block = docBlock("commands.md", "messages-config")
  const path = `path = "examples/plugins/private-messages.ts"`
  assert.include(block, path)
  return block.replace(path, `path = ${JSON.stringify(EXAMPLE)}`)
}

describe("examples/plugins/private-messages.ts", () => {
  it.live("players write to each other across servers; /r answers; names complete; /spy is for admins", () =>
    Effect.gen(function*() {
      const fake = yield* fakeSessions
      const hub = yield* recordingBackend(VERSION)
      const survival = yield* recordingBackend(VERSION)
      const proxy = yield* startProxy({
        global: `[auth]\nsession_server = "${fake.url}"\n${documentedConfig()}`,
        servers: {
          "hub.toml": serverToml(["hub.example.com"], [hub.server.address], `proxy_mode = "offline"`),
          "survival.toml": serverToml(["survival.example.com"], [survival.server.address], `proxy_mode = "offline"`),
          "staff.toml": serverToml(["staff.example.com"], [hub.server.address], `proxy_mode = "client_only"`)
        }
      })
      assert.isTrue(proxy.logs.some((l) => l.message.startsWith("plugin 'messages' 1.0.0 loaded")))
      const alex = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "hub.example.com", "alex"))
      const bob = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "survival.example.com", "bob"))
      const notch = yield* Effect.promise(() =>
        joinAndStay(VERSION, proxy.port, "staff.example.com", NOTCH.name, { online: { sessionServer: fake.url, id: NOTCH.id } }))
      yield* Effect.addFinalizer(() => Effect.sync(() => (alex.leave(), bob.leave(), notch.leave())))
      const [alexLog, bobLog, notchLog] = [chatLog(alex.client), chatLog(bob.client), chatLog(notch.client)]

      assert.deepStrictEqual(yield* ask(alex, alexLog, "/msg bob see you  at spawn"), ["[me -> bob] see you  at spawn"])
      yield* waitUntil(() => bobLog.includes("[alex -> me] see you  at spawn"), "bob reads alex's message")
      assert.deepStrictEqual(yield* ask(bob, bobLog, "/r on my way"), ["[me -> alex] on my way"])
      yield* waitUntil(() => alexLog.includes("[bob -> me] on my way"), "alex reads bob's answer")
      assert.deepStrictEqual(yield* ask(alex, alexLog, "/tell nobody hi"), ["nobody is not online."])
      assert.deepStrictEqual(yield* ask(alex, alexLog, "/W"), ["Usage: /w <player> <message>"])
      assert.deepStrictEqual(yield* ask(alex, alexLog, "/msg ALEX hi"), ["You cannot write to yourself."])
      assert.deepStrictEqual(yield* ask(notch, notchLog, "/reply hello"), ["Nobody has written to you yet."])

      // /spy is admin-only: alex (offline) is refused; Notch (client_only, in admins) spies.
      assert.deepStrictEqual(yield* ask(alex, alexLog, "/spy"), ["You don't have permission to use /spy."])
      assert.deepStrictEqual(yield* ask(notch, notchLog, "/spy"), ["You now see every private message."])
      const seen = notchLog.length
      assert.deepStrictEqual(yield* ask(alex, alexLog, "/w bob one more"), ["[me -> bob] one more"])
      yield* waitUntil(() => notchLog.slice(seen).includes("[spy] alex -> bob: one more"), "Notch's copy")
      assert.deepStrictEqual(yield* ask(notch, notchLog, "/spy"), ["You no longer see private messages."])

      // Completion of the first argument, matched and sorted by the proxy.
      const protocol = protocolOf(VERSION)
      assert.deepStrictEqual((yield* Effect.promise(() => tabComplete(alex, protocol, "/msg "))).matches, ["alex", "bob", "Notch"])
      assert.deepStrictEqual((yield* Effect.promise(() => tabComplete(alex, protocol, "/tell B"))).matches, ["bob"])
      assert.deepStrictEqual((yield* Effect.promise(() => tabComplete(alex, protocol, "/msg bob "))).matches, [])

      // /ir help lists what alex may use: the opened subcommands and the plugin's player commands.
      const help = yield* ask(alex, alexLog, "/ir help", (l) => l.some((x) => x.startsWith("/reply")))
      assert.deepStrictEqual(help, [
        "Proxy commands:",
        "/ir help [command] - commands you can use, or one in detail",
        "/ir list - players online, by server",
        "/ir server [name] - where you are, or move to another server",
        "/ir find <player> - where a player is",
        "/msg - a private message to a player on any server",
        "/tell - a private message to a player on any server",
        "/w - a private message to a player on any server",
        "/r - answer the last player who wrote to you",
        "/reply - answer the last player who wrote to you"
      ])
      assert.deepStrictEqual(yield* ask(alex, alexLog, "/ir help msg", (l) => l.length >= 2), ["/msg", "a private message to a player on any server"])
      assert.deepStrictEqual(hub.commands, [], "the hub's backend saw none of the commands")
      assert.deepStrictEqual(survival.commands, [], "the survival backend saw none of the commands")
    }), { timeout: 30_000 })
})
