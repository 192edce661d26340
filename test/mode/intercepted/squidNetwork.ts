/**
 * Shared pieces of the mineflayer switching tests (SwitchBots.e2e.test.ts): flying-squid servers
 * on free loopback ports that record their players' chat and positions and every error they log,
 * and mineflayer bots that record what they saw (chat, logins, placements, errors, kicks).
 */
import { assert } from "@effect/vitest"
import { Effect } from "effect"
// flying-squid ships no types.
// @ts-expect-error no declaration file
import flyingSquid from "flying-squid"
import mineflayer from "mineflayer"
import { waitUntil } from "../../support/Poll.ts"

// flying-squid installs process-wide uncaughtException handlers that exit the process unless it
// believes it runs under a test runner: it checks this flag.
;(globalThis as { isMocha?: boolean }).isMocha = true

/** Every version flying-squid hosts (1.8.8–1.21.4). */
export const VERSIONS: ReadonlyArray<string> = (await import("flying-squid/src/lib/version.js" as string)).testedVersions

export interface SquidError {
  /** The client's remote port, for a client's error. */
  readonly port: number | undefined
  /** The player on that connection, when it had logged in. */
  readonly player: string | undefined
  /** The error's code (ECONNRESET, EPIPE) when it has one. */
  readonly code: string | undefined
  readonly message: string
}

export interface Squid {
  readonly address: string
  readonly chats: Array<{ readonly player: string; readonly message: string }>
  readonly positionOf: (player: string) => { readonly x: number; readonly z: number } | undefined
  /** What flying-squid logged as errors: its server's and its clients' error events. */
  readonly errors: Array<SquidError>
}

/** Socket errors: how a server sees the other end of a connection go away while it reads or writes. */
const GONE = new Set(["ECONNRESET", "EPIPE", "ECONNABORTED"])

/**
 * The errors of `squids` that are not the echo of a connection whose other end went away (the
 * proxy leaving a server after a switch, a relay cut by a test): there the squid logs the socket
 * error, then minecraft-protocol's failure to write that error as the kick reason.
 */
export const unexpectedErrors = (...squids: ReadonlyArray<Squid>): ReadonlyArray<string> =>
  squids.flatMap((s) => {
    const gone = new Set(s.errors.filter((e) => e.code !== undefined && GONE.has(e.code)).map((e) => e.port))
    const echo = (e: SquidError) =>
      gone.has(e.port) && ((e.code !== undefined && GONE.has(e.code)) || e.message.includes("Received an instance of Error"))
    return s.errors.filter((e) => !echo(e)).map((e) => `${e.player ?? "?"}@${e.port ?? "server"}: ${e.message.split("\n")[0]}`)
  })

/** A flying-squid server on a free loopback port, closed with the scope. */
export const squid = (version: string) =>
  Effect.acquireRelease(
    Effect.callback<{ serv: any; squid: Squid }>((resume) => {
      const chats: Array<{ player: string; message: string }> = []
      const errors: Array<SquidError> = []
      const serv = flyingSquid.createMCServer({
        port: 0, host: "127.0.0.1", "online-mode": false, version, logging: false, motd: "squid",
        generation: { name: "superflat", options: { version } }, "view-distance": 2, "max-entities": 100, "max-players": 10,
        kickTimeout: 10_000, plugins: {}, noConsoleOutput: true, "player-list-text": { header: "", footer: "" }, everybodyOp: false
      })
      // Its log plugin reports server and client errors through serv.err; a client's error is
      // recorded from its event instead, with the connection it happened on.
      serv.err = (message: string) => {
        if (!message.startsWith("Client ")) errors.push({ port: undefined, player: undefined, code: undefined, message })
      }
      serv.on("clientError", (client: any, error: any) =>
        errors.push({ port: client.socket?.remotePort, player: client.username, code: error?.code, message: String(error) }))
      serv.on("newPlayer", (player: any) => {
        const record = (p: { message?: string }) => p.message !== undefined && chats.push({ player: player.username, message: p.message })
        player._client.on("chat", record)
        player._client.on("chat_message", record)
      })
      serv.on("listening", (port: number) =>
        resume(Effect.succeed({
          serv,
          squid: {
            address: `127.0.0.1:${port}`,
            chats,
            positionOf: (name: string) => serv.players.find((p: any) => p.username === name)?.position,
            errors
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
  ).pipe(Effect.map(({ squid }) => squid))

/** Uncaught exceptions and unhandled rejections of this process while the scope is open. */
export const processErrors = Effect.acquireRelease(
  Effect.sync(() => {
    const errors: Array<string> = []
    const record = (e: unknown) => {
      errors.push(String(e))
    }
    process.on("uncaughtException", record)
    process.on("unhandledRejection", record)
    return { errors, record }
  }),
  ({ record }) =>
    Effect.sync(() => {
      process.off("uncaughtException", record)
      process.off("unhandledRejection", record)
    })
).pipe(Effect.map(({ errors }) => errors as ReadonlyArray<string>))

export interface Seen {
  readonly messages: Array<string>
  spawns: number
  logins: number
  placed: number
  readonly errors: Array<string>
  /** `kicked` reasons, as text. */
  readonly kicks: Array<string>
  /** `end` reasons. */
  readonly ends: Array<string>
}

export type Bot = ReturnType<typeof mineflayer.createBot>

const asText = (reason: unknown) => (typeof reason === "string" ? reason : JSON.stringify(reason))

/** A bot joining the proxy at `port` through `<server>.example.com`; returns once it spawned. */
export const watchedBot = (version: string, port: number, server: string, username: string) =>
  Effect.gen(function*() {
    const bot = mineflayer.createBot({ host: "127.0.0.1", port, username, version, fakeHost: `${server}.example.com`, hideErrors: true } as any)
    yield* Effect.addFinalizer(() => Effect.sync(() => bot.end()))
    const seen: Seen = { messages: [], spawns: 0, logins: 0, placed: 0, errors: [], kicks: [], ends: [] }
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
    bot.on("error", (e) => {
      seen.errors.push(String(e))
    })
    bot.on("kicked", (reason) => {
      seen.kicks.push(asText(reason))
    })
    bot.on("end", (reason) => {
      seen.ends.push(asText(reason))
    })
    yield* waitUntil(() => seen.spawns >= 1, `${username} spawned on ${server}`, 15_000)
    return { bot, seen, username }
  })

export type WatchedBot = Effect.Success<ReturnType<typeof watchedBot>>

/**
 * The bot, moved to `to` after `logins` logins and `placed` placements, is placed there, walks
 * (`to` sees it move) and chats `text` (`to` receives it, `from` does not).
 */
export const playsOn = (w: WatchedBot, to: Squid, from: Squid, before: { readonly logins: number; readonly placed: number }, text: string) =>
  Effect.gen(function*() {
    const { bot, seen, username } = w
    yield* waitUntil(
      () => seen.logins > before.logins && seen.placed > before.placed && to.positionOf(username) !== undefined,
      `${username} placed on the new server`,
      15_000
    )
    const start = { ...to.positionOf(username)! }
    bot.setControlState("forward", true)
    yield* waitUntil(() => {
      const now = to.positionOf(username)!
      return Math.hypot(now.x - start.x, now.z - start.z) > 1
    }, `the new server sees ${username} walk`, 15_000)
    bot.setControlState("forward", false)
    chat(bot, text)
    yield* waitUntil(() => to.chats.some((c) => c.player === username && c.message === text), `the new server received ${text}`, 10_000)
    assert.isFalse(from.chats.some((c) => c.message === text), `${text} reached the old server`)
  })

/**
 * Chat as the bot types it, except where mineflayer's 1.19.0 ordering step meets a flying-squid
 * bug: after a command, mineflayer sends a tab-complete request before the next chat line, and
 * flying-squid 1.19 cannot encode its answer (it logs an error; the bot waits 5 s). The command
 * here was the proxy's, which the backend never saw, so there is nothing to order: send directly.
 */
const chat = (bot: Bot, text: string) =>
  bot.supportFeature("chatCommandsQueuedToMainThread") ? bot._client.chat(text) : bot.chat(text)

/** Waits (bounded) for a chat line the bot saw containing `needle`. */
export const awaitBotMessage = (w: WatchedBot, needle: string, timeoutMs = 15_000) =>
  waitUntil(() => w.seen.messages.some((m) => m.includes(needle)), `${needle} (${w.username} saw ${JSON.stringify(w.seen.messages)})`, timeoutMs)
