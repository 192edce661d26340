/**
 * The built-in server_wake limbo handler with a real managed backend (test/support/ManagedMcServer.ts,
 * started by the local provider) and real minecraft-protocol players in offline mode:
 * - the player waits in the limbo with the "Server Starting" title (its dots animated), the
 *   action bar counting the players who wait, then the ready title, and plays on the backend;
 * - two players waiting at once start the server once and both see "2 player(s) waiting";
 * - a start that crashes disconnects the waiting player with the failed message;
 * - the plugin's own start_timeout_seconds disconnects with the timeout message.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { localManaged } from "../../server-manager/support/LocalManaged.ts"
import { readLaunches } from "../../server-manager/support/Processes.ts"
import { reasonText } from "../../support/McClients.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"
import { awaitText, recordedPlayer } from "./support.ts"

const SCRIPT = fileURLToPath(new URL("../../support/ManagedMcServer.ts", import.meta.url))
const VERSION = "1.20.4"
const HOST = "survival.test"

/** A proxy whose offline-mode server 'survival' is a managed script behind limbo_handlers = ["server_wake"]. */
const withSleepingServer = (script: ReadonlyArray<string>, wakeConfig = "") =>
  Effect.gen(function*() {
    const { launchFile, port, table: manager } = yield* localManaged(
      SCRIPT,
      (port, launches) => ["--port", String(port), "--version", VERSION, "--launches", launches, ...script],
      [`start_timeout = "30s"`]
    )
    const proxy = yield* startProxy({
      global: `[plugins.server_wake.config.timing]\ntitle_refresh_interval_seconds = 1\n${wakeConfig}\n`,
      servers: {
        "survival.toml": serverToml([HOST], [`127.0.0.1:${port}`], `proxy_mode = "offline"\nlimbo_handlers = ["server_wake"]\n${manager}`)
      }
    })
    yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("survival") && l.message.includes("sleeping")), "the first poll", 10_000)
    return { proxy, launches: () => readLaunches(launchFile).servers.length }
  })

describe("server_wake", () => {
  it.live("the player waits with an animated title and the waiting count, then plays on the started server", () =>
    Effect.gen(function*() {
      const { launches, proxy } = yield* withSleepingServer(["--ready-delay", "2500"])
      const alex = yield* recordedPlayer(VERSION, proxy.port, HOST, "Alex")
      assert.strictEqual(alex.joins(), 1, "in the limbo")
      yield* awaitText(alex, "set_title_text", ["§eServer Starting"])
      yield* awaitText(alex, "set_title_subtitle", ["§7Please wait§f."])
      yield* awaitText(alex, "action_bar", ["§71 player(s) waiting for §esurvival"])
      // The title is refreshed every second with one more dot.
      yield* awaitText(alex, "set_title_subtitle", ["§7Please wait§f.."])
      yield* awaitText(alex, "set_title_text", ["§aServer Ready!"], 20_000)
      yield* awaitText(alex, "set_title_subtitle", ["§7Connecting you now..."])
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("switched Alex from the limbo to 'survival'")), "Alex at survival", 10_000)
      yield* waitUntil(() => alex.joins() === 2, "the backend's Join Game")
      assert.strictEqual(launches(), 1)
      assert.isTrue(proxy.logs.some((l) => l.message.includes("Alex waits in the limbo for 'survival' (sleeping)")))
    }), { timeout: 60_000 })

  it.live("two players wait for one start; the action bar counts them", () =>
    Effect.gen(function*() {
      const { launches, proxy } = yield* withSleepingServer(["--ready-delay", "2500"])
      const first = yield* recordedPlayer(VERSION, proxy.port, HOST, "First")
      yield* awaitText(first, "action_bar", ["1 player(s) waiting"])
      const second = yield* recordedPlayer(VERSION, proxy.port, HOST, "Second")
      yield* awaitText(first, "action_bar", ["2 player(s) waiting"])
      yield* awaitText(second, "action_bar", ["2 player(s) waiting"])
      yield* waitUntil(() => first.joins() === 2 && second.joins() === 2, "both at survival", 20_000)
      assert.strictEqual(launches(), 1)
    }), { timeout: 60_000 })

  it.live("a start that crashes disconnects the waiting player with the failed message", () =>
    Effect.gen(function*() {
      const { proxy } = yield* withSleepingServer(["--never-ready", "--crash-after", "800"])
      const unlucky = yield* recordedPlayer(VERSION, proxy.port, HOST, "Unlucky")
      yield* awaitText(unlucky, "set_title_text", ["Server Starting"])
      const reason = yield* Effect.promise(() => unlucky.player.kicked)
      assert.include(reasonText(reason), "§cThe server failed to start. Please try again later.")
    }), { timeout: 60_000 })

  it.live("start_timeout_seconds: a player who waited that long reads the timeout message", () =>
    Effect.gen(function*() {
      const { proxy } = yield* withSleepingServer(["--never-ready"], "start_timeout_seconds = 1")
      const patient = yield* recordedPlayer(VERSION, proxy.port, HOST, "Patient")
      const reason = yield* Effect.promise(() => patient.player.kicked)
      assert.include(reasonText(reason), "§cThe server took too long to start. Please try again.")
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("Patient waited 1s for 'survival'; disconnected")), "the log line")
    }), { timeout: 60_000 })
})
