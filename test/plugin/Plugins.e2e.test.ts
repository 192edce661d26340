/**
 * Plugins as Effect Layers, loaded from `[plugins.<id>] path`, with real minecraft-protocol
 * clients and servers through the proxy: the two shipped examples (maintenance mode, MOTD
 * rewrite), ConnectTo, listener priorities, Disconnect once per session, lifecycle and reload
 * events, misbehaving listeners, and what start-up does with plugins that cannot load.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit, Scope } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { joinAndStay, loginExpectingKick, loginOutcome, ping, reasonText } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { docBlock } from "../support/DocBlocks.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"

const VERSION = "1.21.4"
const example = (name: string) => fileURLToPath(new URL(`../../examples/plugins/${name}`, import.meta.url))
const testPlugin = (name: string) => fileURLToPath(new URL(`../support/plugins/${name}`, import.meta.url))
/** A plugin table of docs/plugins.md, its relative path made absolute (the test runs elsewhere). */
const documented = (block: string, file: string) =>
  docBlock("plugins.md", block).replace(`path = "examples/plugins/${file}"`, `path = ${JSON.stringify(example(file))}`)

/** The lines the recorder plugin wrote so far. */
const recorded = (dir: string): Array<Record<string, unknown>> => {
  const file = join(dir, "plugins", "recorder", "events.jsonl")
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter((l) => l !== "").map((l) => JSON.parse(l) as Record<string, unknown>) : []
}

describe("plugins", () => {
  it.live("maintenance example, as documented: a denied login shows the plugin's reason; a listed name still joins", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: documented("maintenance-config", "maintenance.ts"),
        servers: { "mc.toml": serverToml(["play.example.com"], [backend.address]) }
      })
      const kick = yield* Effect.promise(() => loginExpectingKick(VERSION, proxy.port, "play.example.com", "Visitor"))
      assert.strictEqual(reasonText(kick), "We are upgrading the server. Back in 10 minutes!")
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, "play.example.com", "notch")), "joined")
      assert.strictEqual(backend.logins(), 1, "the denied login never reached the backend")
      assert.isTrue(proxy.logs.some((l) => l.message.startsWith("kept Visitor out of 'mc' during maintenance") && l.annotations?.["plugin"] === "maintenance"))
    }), { timeout: 30_000 })

  it.live("motd_rewrite example, as documented: the MOTD is rewritten, also when the reply comes from the status cache", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION, { motd: "original" })
      const proxy = yield* startProxy({
        global: `${documented("motd-config", "motd-rewrite.ts")}\n[status_cache]\nttl = "60s"\n`,
        servers: {
          "survival.toml": serverToml(["survival.example.com"], [backend.address]),
          "lobby.toml": serverToml(["lobby.example.com"], [backend.address])
        }
      })
      for (let i = 0; i < 3; i++) {
        const status = yield* Effect.promise(() => ping(VERSION, proxy.port, "survival.example.com"))
        assert.deepStrictEqual(status["description"], { text: "§6survival §7— 0 playing" })
      }
      assert.strictEqual(backend.pings(), 1, "the second and third replies came from the cache")
      // Not listed in `servers`: untouched.
      const lobby = yield* Effect.promise(() => ping(VERSION, proxy.port, "lobby.example.com"))
      assert.include(JSON.stringify(lobby["description"]), "original")
    }), { timeout: 30_000 })

  it.live("ConnectTo: a plugin sends a login to another server of the same family", () =>
    Effect.gen(function*() {
      const a = yield* mcServer(VERSION)
      const b = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: `[plugins.redirect]\npath = ${JSON.stringify(testPlugin("redirect.ts"))}\n[plugins.redirect.config]\nfrom = "a"\nto = "b"\n`,
        servers: { "a.toml": serverToml(["a.example.com"], [a.address]), "b.toml": serverToml(["b.example.com"], [b.address]) }
      })
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, "a.example.com", "moved")), "joined")
      assert.strictEqual(a.logins(), 0)
      assert.strictEqual(b.logins(), 1)
      assert.isTrue(proxy.logs.some((l) => l.message.startsWith("a plugin sent moved to 'b' instead of 'a'")))
    }), { timeout: 30_000 })

  it.live("listener priorities, ServerConnected and Disconnect once per session with its server, reload and lifecycle events", () =>
    Effect.gen(function*() {
      const hub = yield* mcServer(VERSION)
      const survival = yield* mcServer(VERSION)
      const scope = yield* Scope.make()
      const proxy = yield* startProxy({
        global: `[plugins.recorder]\npath = ${JSON.stringify(testPlugin("recorder.ts"))}\n`,
        servers: { "hub.toml": serverToml(["hub.example.com"], [hub.address]), "survival.toml": serverToml(["survival.example.com"], [survival.address]) }
      }).pipe(Scope.provide(scope))
      yield* waitUntil(() => recorded(proxy.dir).some((l) => l["tag"] === "ProxyInitialize"), "ProxyInitialize")
      const alice = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "hub.example.com", "alice"))
      const bob = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "survival.example.com", "bob"))
      alice.leave()
      bob.leave()
      yield* waitUntil(() => recorded(proxy.dir).filter((l) => l["tag"] === "Disconnect").length === 2, "two Disconnect events")
      const lines = recorded(proxy.dir)
      const disconnects = lines.filter((l) => l["tag"] === "Disconnect")
      assert.deepStrictEqual(disconnects.map((l) => [l["player"], l["lastServer"]]).sort(), [["alice", "hub"], ["bob", "survival"]])
      const connected = lines.filter((l) => l["tag"] === "ServerConnected")
      assert.deepStrictEqual(connected.map((l) => [l["player"], l["server"]]), [["alice", "hub"], ["bob", "survival"]])
      // One Disconnect per session, matching the session ServerConnected named.
      assert.deepStrictEqual(disconnects.map((l) => l["session"]).sort(), connected.map((l) => l["session"]).sort())
      for (const player of ["alice", "bob"]) {
        const order = lines.filter((l) => l["tag"] === "ServerPreConnect" && l["player"] === player).map((l) => l["priority"])
        assert.deepStrictEqual(order, ["FIRST", "NORMAL", "LAST"])
      }
      proxy.writeServer("creative.toml", serverToml(["creative.example.com"], [hub.address]))
      yield* waitUntil(() => recorded(proxy.dir).some((l) => l["tag"] === "ConfigReload"), "ConfigReload")
      assert.deepStrictEqual(recorded(proxy.dir).find((l) => l["tag"] === "ConfigReload"), { tag: "ConfigReload", source: "servers", added: ["creative"], removed: [] })
      assert.isFalse(recorded(proxy.dir).some((l) => l["tag"] === "ProxyShutdown"))
      yield* Scope.close(scope, Exit.void)
      assert.strictEqual(proxy.logs.filter((l) => l.message.startsWith("recorded ")).at(-1)?.message.split(" ")[1], "ProxyShutdown")
    }), { timeout: 30_000 })

  it.live("listeners that hang, fail, throw or die are logged with the plugin id and skipped: logins and pings complete", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: `[plugins.misbehaving]\npath = ${JSON.stringify(testPlugin("misbehaving.ts"))}\nlistener_timeout = "300ms"\n`,
        servers: { "mc.toml": serverToml(["play.example.com"], [backend.address]) }
      })
      const status = yield* Effect.promise(() => ping(VERSION, proxy.port, "play.example.com"))
      assert.include(JSON.stringify(status["description"]), "backend")
      const player = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, "play.example.com", "survivor"))
      assert.isTrue(yield* Effect.promise(() => player.chatEchoed("still here")))
      player.leave()
      const said = (text: string) => proxy.logs.some((l) => l.message.includes(text) && l.annotations?.["plugin"] === "misbehaving")
      yield* waitUntil(() => said("its Disconnect listener failed"), "the Disconnect listener's failure")
      assert.isTrue(said("its ServerPreConnect listener took longer than 300ms and was cut off"))
      assert.isTrue(said("its ServerConnected listener failed"))
      assert.isTrue(said("its ProxyPing listener failed"))
    }), { timeout: 30_000 })

  it.live("a dependency cycle or a duplicate id stops start-up with a message that names them", () =>
    Effect.gen(function*() {
      const cycle = yield* startProxy({
        global: `[plugins.cycle_a]\npath = ${JSON.stringify(testPlugin("cycle-a.ts"))}\n[plugins.cycle_b]\npath = ${JSON.stringify(testPlugin("cycle-b.ts"))}\n`
      }).pipe(Effect.scoped, Effect.flip)
      assert.strictEqual((cycle as Error).message, "[plugins]: plugin dependency cycle: cycle_a → cycle_b → cycle_a")
      const duplicate = yield* startProxy({
        global: `[plugins.one]\npath = ${JSON.stringify(testPlugin("recorder.ts"))}\n[plugins.two]\npath = ${JSON.stringify(testPlugin("recorder.ts"))}\n`
      }).pipe(Effect.scoped, Effect.flip)
      assert.match((duplicate as Error).message, /^\[plugins\]: duplicate plugin id 'recorder': declared by .*recorder\.ts and by .*recorder\.ts$/)
    }), { timeout: 30_000 })

  it.live("plugins that cannot load are logged and left out; the proxy and the other plugins run", () =>
    Effect.gen(function*() {
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: [
          `[plugins.failing]\npath = ${JSON.stringify(testPlugin("failing.ts"))}`,
          `[plugins.needs_failing]\npath = ${JSON.stringify(testPlugin("needs-failing.ts"))}`,
          `[plugins.nothing]\npath = ${JSON.stringify(testPlugin("not-a-plugin.ts"))}`,
          `[plugins.missing]\npath = "does/not/exist.ts"`,
          `[plugins.builtin]\nenabled = true`,
          `[plugins.recorder]\npath = ${JSON.stringify(testPlugin("recorder.ts"))}`
        ].join("\n"),
        servers: { "mc.toml": serverToml(["play.example.com"], [backend.address]) }
      })
      const errors = proxy.logs.filter((l) => l.level === "Error").map((l) => l.message)
      assert.isTrue(errors.some((m) => m.startsWith("plugin 'failing' failed to load and is left out")))
      assert.isTrue(errors.some((m) => m.startsWith("plugin 'needs_failing' is not loaded: it depends on 'failing', which failed to load")))
      assert.isTrue(errors.some((m) => /^plugin 'nothing': .*not-a-plugin\.ts: its module exports no plugin/.test(m)))
      assert.isTrue(errors.some((m) => /^plugin 'missing': cannot load .*does\/not\/exist\.ts/.test(m)))
      assert.isTrue(errors.some((m) => m.startsWith("plugin 'builtin' has no path, and infrarust-ts has no built-in plugin of that name: not loaded")))
      assert.isTrue(proxy.logs.some((l) => l.message.startsWith("plugin 'recorder' 0.0.1 loaded")))
      assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, "play.example.com", "fine")), "joined")
    }), { timeout: 30_000 })
})
