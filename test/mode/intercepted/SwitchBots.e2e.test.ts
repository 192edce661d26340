/**
 * A realistic switch: a mineflayer bot on a flying-squid hub types `/ir server survival` (opened
 * to players by `player_commands`), spawns there, walks (survival sees it move) and chats
 * (survival receives it), for every version flying-squid hosts (1.8.8–1.21.4). (A backend that
 * crashes under a player is tested with minecraft-protocol players in Fallback.e2e.test.ts:
 * flying-squid throws unhandled errors when a connection is cut under it.)
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
// flying-squid ships no types.
// @ts-expect-error no declaration file
import flyingSquid from "flying-squid"
import mineflayer from "mineflayer"
import { waitUntil } from "../../support/Poll.ts"
import { offlineServer, startProxy } from "./switching.ts"

interface Squid {
  readonly address: string
  readonly chats: Array<string>
  readonly positions: () => ReadonlyArray<{ x: number; z: number }>
}

// flying-squid installs process-wide uncaughtException handlers that exit the process unless it
// believes it runs under a test runner: it checks this flag.
;(globalThis as { isMocha?: boolean }).isMocha = true

const VERSIONS: ReadonlyArray<string> = (await import("flying-squid/src/lib/version.js" as string)).testedVersions

/** A flying-squid server on a free loopback port, closed with the scope. */
const squid = (version: string) =>
  Effect.acquireRelease(
    Effect.callback<{ serv: any; squid: Squid }>((resume) => {
      const chats: Array<string> = []
      const players: Array<any> = []
      const serv = flyingSquid.createMCServer({
        port: 0, host: "127.0.0.1", "online-mode": false, version, logging: false, motd: "squid",
        generation: { name: "superflat", options: { version } }, "view-distance": 2, "max-entities": 100, "max-players": 10,
        kickTimeout: 10_000, plugins: {}, noConsoleOutput: true, "player-list-text": { header: "", footer: "" }, everybodyOp: false
      })
      serv.on("newPlayer", (player: any) => {
        players.push(player)
        const record = (p: { message?: string }) => p.message !== undefined && chats.push(p.message)
        player._client.on("chat", record)
        player._client.on("chat_message", record)
      })
      serv.on("listening", (port: number) =>
        resume(Effect.succeed({
          serv,
          squid: {
            address: `127.0.0.1:${port}`,
            chats,
            positions: () => players.map((p) => p.position)
          }
        })))
    }),
    ({ serv }) =>
      Effect.promise(() => {
        const destroyed = serv.destroy().catch(() => undefined)
        // destroy() makes its players' writes throw, and their logouts (which it causes) then
        // broadcast "left the game" through them: unhandled errors. Let those writes go nowhere.
        for (const player of serv.players) player._client.write = () => {}
        return destroyed
      })
  )

/** A bot on the hub of a proxy in front of two flying-squid servers, with what it saw. */
const botOnHub = (version: string) =>
  Effect.gen(function*() {
    const hub = yield* squid(version)
    const survival = yield* squid(version)
    const proxy = yield* startProxy({
      global: `[permissions]\nplayer_commands = ["server"]\n`,
      servers: {
        "hub.toml": offlineServer("hub", hub.squid.address, `network = "main"`),
        "survival.toml": offlineServer("survival", survival.squid.address, `network = "main"`)
      }
    })
    const bot = mineflayer.createBot({ host: "127.0.0.1", port: proxy.port, username: "Bot", version, fakeHost: "hub.example.com", hideErrors: true } as any)
    yield* Effect.addFinalizer(() => Effect.sync(() => bot.end()))
    const seen = { messages: [] as Array<string>, spawns: 0, logins: 0, placed: 0 }
    bot.on("message", (m) => {
      seen.messages.push(m.toString())
    })
    bot.on("spawn", () => {
      seen.spawns++
    })
    bot.on("login", () => {
      seen.logins++
    })
    // A position from the server places the bot in its world (mineflayer's 'spawn' fires only once on 1.20.2+).
    bot.on("forcedMove", () => {
      seen.placed++
    })
    yield* waitUntil(() => seen.spawns >= 1, "the bot spawned on the hub", 15_000)
    return { hub, survival, bot, seen }
  })

/** The bot, moved to survival, is placed there, walks (survival sees it) and chats (survival receives it). */
const playsOnSurvival = (on: Effect.Success<ReturnType<typeof botOnHub>>, placedOnHub: number) =>
  Effect.gen(function*() {
    const { bot, hub, survival, seen } = on
    yield* waitUntil(() => seen.logins >= 2 && seen.placed > placedOnHub && survival.squid.positions().length === 1, "the bot spawned on survival", 15_000)
    const start = { ...survival.squid.positions()[0]! }
    bot.setControlState("forward", true)
    yield* waitUntil(() => {
      const now = survival.squid.positions()[0]!
      return Math.hypot(now.x - start.x, now.z - start.z) > 2
    }, "survival sees the bot walk", 15_000)
    bot.setControlState("forward", false)
    bot.chat("hello-survival")
    yield* waitUntil(() => survival.squid.chats.includes("hello-survival"), "survival received the chat", 10_000)
    assert.notInclude(hub.squid.chats, "hello-survival")
  })

const botSwitch = (version: string) =>
  Effect.gen(function*() {
    const on = yield* botOnHub(version)
    const placedOnHub = on.seen.placed
    on.bot.chat("/ir server survival")
    yield* waitUntil(() => on.seen.messages.some((m) => m.includes("Connecting you to survival")), `the command's answer (${JSON.stringify(on.seen.messages)})`, 15_000)
    yield* playsOnSurvival(on, placedOnHub)
  })

describe("mineflayer on flying-squid: hub → survival", () => {
  for (const version of VERSIONS) {
    it.live(`${version}: switched, spawns, walks and chats on survival`, () => botSwitch(version), { timeout: 40_000 })
  }
})

