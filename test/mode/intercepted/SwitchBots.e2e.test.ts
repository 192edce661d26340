/**
 * Realistic switches, with mineflayer bots on flying-squid servers, for every version flying-squid
 * hosts (1.8.8–1.21.4). Per version one network serves its three tests: two flying-squid servers,
 * the hub and survival, behind the proxy as `lobby` (the hub, directly), `hub` (the hub behind a
 * TCP relay, `fallback = ["survival"]`), `survival`, and `solo` (the hub behind a second relay,
 * no fallback), all in network "main":
 * - a bot on the lobby types `/ir server survival` (opened to players by `player_commands`),
 *   spawns there, walks (survival sees it move) and chats (survival receives it);
 * - the hub crashes under a playing bot (both of the relay's sockets of its connection are
 *   destroyed, no Disconnect packet): the bot is told "You were moved to 'survival': Lost
 *   connection to the server", spawns on survival, walks and chats there;
 * - the same crash under a bot on `solo`: it is disconnected with that reason.
 * No bot sees an error, nothing goes unhandled in the process, and neither squid logs an error but
 * a connection's socket error when its other end went away (the crash, or the proxy leaving
 * after a switch). minecraft-protocol players cover the same crashes in Fallback.e2e.test.ts.
 */
import { assert, describe, layer } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import { waitUntil } from "../../support/Poll.ts"
import { type TcpRelay, tcpRelay } from "../../support/TcpRelay.ts"
import { awaitBotMessage, playsOn, processErrors, type Squid, squid, unexpectedErrors, VERSIONS, watchedBot, type WatchedBot } from "./squidNetwork.ts"
import { offlineServer, startProxy } from "./switching.ts"

interface Network {
  readonly version: string
  readonly port: number
  readonly hub: Squid
  readonly survival: Squid
  readonly hubRelay: TcpRelay
  readonly soloRelay: TcpRelay
  readonly uncaught: ReadonlyArray<string>
}

class SquidNetwork extends Context.Service<SquidNetwork, Network>()("test/mode/intercepted/SquidNetwork") {}

const network = (version: string) =>
  Layer.effect(
    SquidNetwork,
    Effect.gen(function*() {
      const uncaught = yield* processErrors
      const hub = yield* squid(version)
      const survival = yield* squid(version)
      const hubRelay = yield* tcpRelay(hub.address)
      const soloRelay = yield* tcpRelay(hub.address)
      const proxy = yield* startProxy({
        global: `[permissions]\nplayer_commands = ["server"]\n`,
        servers: {
          "lobby.toml": offlineServer("lobby", hub.address, `network = "main"`),
          "hub.toml": offlineServer("hub", hubRelay.address, `network = "main"\nfallback = ["survival"]`),
          "survival.toml": offlineServer("survival", survival.address, `network = "main"`),
          "solo.toml": offlineServer("solo", soloRelay.address, `network = "main"`)
        }
      })
      return { version, port: proxy.port, hub, survival, hubRelay, soloRelay, uncaught }
    })
  )

/**
 * The bot saw no error, nothing went unhandled in this process, and neither squid logged an error
 * but the socket errors of connections whose other end went away (unexpectedErrors).
 */
const clean = (n: Network, w: WatchedBot) => {
  assert.deepStrictEqual(w.seen.errors, [], "the bot saw no error")
  assert.deepStrictEqual(n.uncaught, [], "nothing unhandled")
  assert.deepStrictEqual(unexpectedErrors(n.hub, n.survival), [], "the squids logged no other error")
}

const LOST = "Lost connection to the server"

/** `/ir server survival` from the lobby (the hub's squid, no relay). */
const switched = (version: string) =>
  Effect.gen(function*() {
    const n = yield* SquidNetwork
    const w = yield* watchedBot(version, n.port, "lobby", "Switcher")
    const before = { logins: w.seen.logins, placed: w.seen.placed }
    w.bot.chat("/ir server survival")
    yield* awaitBotMessage(w, "Connecting you to survival")
    yield* playsOn(w, n.survival, n.hub, before, "hello-survival")
    clean(n, w)
  })

/** The hub crashes under the bot, which lands on survival and plays on. */
const fellBack = (version: string) =>
  Effect.gen(function*() {
    const n = yield* SquidNetwork
    const w = yield* watchedBot(version, n.port, "hub", "Crashed")
    const before = { logins: w.seen.logins, placed: w.seen.placed }
    assert.strictEqual(n.hubRelay.crash(), 1, "one connection cut: the bot's")
    yield* awaitBotMessage(w, `You were moved to 'survival': ${LOST}`)
    yield* playsOn(w, n.survival, n.hub, before, "after-the-crash")
    assert.deepStrictEqual([w.seen.kicks, w.seen.ends], [[], []], "still connected")
    clean(n, w)
  })

/** `solo`, the same squid without a fallback, crashes under the bot: disconnected with the reason. */
const disconnected = (version: string) =>
  Effect.gen(function*() {
    const n = yield* SquidNetwork
    const w = yield* watchedBot(version, n.port, "solo", "Alone")
    assert.strictEqual(n.soloRelay.crash(), 1, "one connection cut: the bot's")
    yield* waitUntil(() => w.seen.ends.length > 0, "the bot disconnected", 15_000)
    assert.strictEqual(w.seen.kicks.length, 1, `kicked once (${JSON.stringify(w.seen)})`)
    assert.include(w.seen.kicks[0], LOST)
    clean(n, w)
  })

// The versions' networks run side by side, and so do the three bots of each: each bot has its own
// server entry (and relay), so they do not meet. vitest's maxConcurrency (5) bounds each level.
describe.concurrent("mineflayer on flying-squid", () => {
  for (const version of VERSIONS) {
    layer(network(version), { timeout: 60_000, excludeTestServices: true })(version, (it) => {
      it.effect("switched by /ir server: spawns, walks and chats on survival", () => switched(version), { timeout: 40_000 })
      it.effect("the hub crashes under the bot: moved to survival, it walks and chats there", () => fellBack(version), { timeout: 40_000 })
      it.effect("a crash without a fallback disconnects the bot with the backend's reason", () => disconnected(version), { timeout: 40_000 })
    })
  }
})
