/**
 * WebAssembly plugins in the real proxy, with real minecraft-protocol clients and servers:
 *
 * - the JavaScript example (examples/wasm/motd-rotator), built with componentize-js in the test,
 *   rotates the MOTD of real pings; dropped into plugins_dir of a running proxy it takes effect,
 *   removed it is gone, and dropped again it carries on where its storage says it stopped;
 * - hostile plugins (C, built in the test) beside a good one: every real login completes while
 *   they are stopped and restarted, and the good one sees each login.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { loginOutcome, ping } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { buildJsPlugin, example, hostile } from "../support/WasmToolchain.ts"
import { docBlock } from "../support/DocBlocks.ts"
import { said } from "./support.ts"

const VERSION = "1.21.4"
/** The documented settings: two MOTDs. */
const ROTATOR = docBlock("wasm-plugins.md", "rotator-config")
const FIRST = JSON.stringify({ text: "§aWelcome to survival!" })
const SECOND = JSON.stringify({ text: "§e0/20 playing right now" })
const motd = (status: Record<string, unknown>) => JSON.stringify(status["description"])

describe("WASM plugins end to end", () => {
  it.live("the MOTD rotator rotates real pings; hot load, unload and load again (its storage carries the rotation)", () =>
    Effect.gen(function*() {
      const component = yield* Effect.promise(() => buildJsPlugin(example("motd-rotator/motd-rotator.js")))
      const backend = yield* mcServer(VERSION, { motd: "original" })
      const proxy = yield* startProxy({ global: ROTATOR, servers: { "survival.toml": serverToml(["survival.example.com"], [backend.address]) } })
      const pingMotd = () => Effect.promise(() => ping(VERSION, proxy.port, "survival.example.com")).pipe(Effect.map(motd))
      assert.include(yield* pingMotd(), "original")

      const file = join(proxy.dir, "plugins", "motd_rotator.wasm")
      const drop = () => {
        writeFileSync(`${file}.part`, component)
        renameSync(`${file}.part`, file)
      }
      drop()
      yield* waitUntil(() => said(proxy.logs, "motd_rotator", "WASM plugin 'motd_rotator' loaded").length === 1, "the rotator to load", 30_000)
      assert.strictEqual(said(proxy.logs, "motd_rotator", "rotating 2 MOTDs, starting at #0").length, 1)
      assert.strictEqual(yield* pingMotd(), FIRST)
      assert.strictEqual(yield* pingMotd(), SECOND)
      assert.strictEqual(yield* pingMotd(), FIRST)

      rmSync(file)
      yield* waitUntil(() => said(proxy.logs, "motd_rotator", "WASM plugin 'motd_rotator' unloaded").length === 1, "the rotator to unload", 10_000)
      assert.include(yield* pingMotd(), "original")

      drop()
      yield* waitUntil(() => said(proxy.logs, "motd_rotator", "WASM plugin 'motd_rotator' loaded").length === 2, "the rotator to load again", 30_000)
      assert.strictEqual(said(proxy.logs, "motd_rotator", "rotating 2 MOTDs, starting at #1").length, 1)
      assert.strictEqual(yield* pingMotd(), SECOND)
      assert.strictEqual(yield* pingMotd(), FIRST)
    }), { timeout: 180_000 })

  it.live("hostile plugins beside a good one: every real login completes, the hostile ones are stopped and restarted, the good one sees each login", () =>
    Effect.gen(function*() {
      const [loop, trap, hog, bad, good] = yield* Effect.promise(() => Promise.all(["LOOP", "TRAP", "HOG", "BAD_HOST_CALL", "GOOD"].map(hostile)))
      const pluginsDir = mkdtempSync(join(tmpdir(), "infrarust-ts-wasm-plugins-"))
      yield* Effect.addFinalizer(() => Effect.sync(() => rmSync(pluginsDir, { recursive: true, force: true })))
      for (const [name, bytes] of [["loop", loop], ["trap", trap], ["hog", hog], ["bad_host_call", bad], ["good", good]] as const) writeFileSync(join(pluginsDir, `${name}.wasm`), bytes!)
      const backend = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: `plugins_dir = ${JSON.stringify(pluginsDir)}\n[rate_limit]\nmax_connections = 100\n[plugins.hog]\nmax_memory = "16MiB"\nmax_call_time = "2s"\n`,
        servers: { "mc.toml": serverToml(["play.example.com"], [backend.address]) }
      })
      for (const id of ["loop", "trap", "hog", "bad_host_call", "good"]) assert.strictEqual(said(proxy.logs, id, "loaded from").length, 1, id)
      const players = ["ann", "bob", "cid", "dee"]
      for (const name of players) assert.strictEqual(yield* Effect.promise(() => loginOutcome(VERSION, proxy.port, "play.example.com", name)), "joined", name)
      assert.strictEqual(backend.logins(), players.length)
      for (const id of ["loop", "trap", "hog", "bad_host_call"]) {
        yield* waitUntil(() => said(proxy.logs, id, `plugin '${id}' started again`).length >= 1, `${id} to be restarted`, 10_000)
        assert.isAtLeast(said(proxy.logs, id, `plugin '${id}' was stopped`).length, 1, id)
      }
      // Its events are delivered in the background, after the hostile plugins' stalls: wait for them.
      yield* waitUntil(() => said(proxy.logs, "good", "saw ").length >= players.length, "the good plugin to see every login", 20_000)
      assert.deepStrictEqual(said(proxy.logs, "good", "saw ").map((l) => l.message.split(" ")[1]), players)
    }), { timeout: 120_000 })
})
