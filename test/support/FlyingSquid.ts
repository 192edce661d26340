/**
 * flying-squid (a Minecraft server written in JavaScript, 1.8.8 to 1.21.4) and mineflayer bots,
 * as /work test-peers §2 sets them up: a superflat world, view distance 2, offline mode, on
 * 127.0.0.1. Starting a server takes up to a quarter second: start one per version and suite.
 */
import { createRequire } from "node:module"
import mineflayer from "mineflayer"
import { freeLowPort } from "./Ports.ts"

const require = createRequire(import.meta.url)

export interface SquidServer {
  readonly port: number
  readonly address: string
  /** Chat lines players sent, in order. */
  readonly chats: ReadonlyArray<{ readonly player: string; readonly message: string }>
  /** The last known position of a player (x, z). */
  readonly positionOf: (player: string) => { readonly x: number; readonly z: number } | undefined
  readonly broadcast: (text: string) => void
  readonly close: () => Promise<void>
}

interface SquidPlayer {
  readonly username: string
  readonly position: { readonly x: number; readonly z: number }
  on: (event: string, listener: (arg: { readonly message: string }) => void) => void
}

interface Squid {
  readonly players: ReadonlyArray<SquidPlayer>
  on: (event: string, listener: (player: SquidPlayer) => void) => void
  broadcast: (text: string) => void
  quit: (reason: string) => Promise<void>
  _server: { close: () => void }
}

export const startSquid = async (version: string): Promise<SquidServer> => {
  // Without this flying-squid takes over the process's uncaught-error handlers and exits the
  // process (the test runner's worker) on the first one.
  ;(globalThis as { isMocha?: boolean }).isMocha = true
  const { createMCServer } = require("flying-squid") as { createMCServer: (options: Record<string, unknown>) => Squid }
  // flying-squid listens itself: it is given a port that was free a moment ago.
  const port = await freeLowPort()
  const chats: Array<{ player: string; message: string }> = []
  const defaults = require("flying-squid/config/default-settings.json") as Record<string, unknown>
  const squid = createMCServer({
    ...defaults,
    port,
    host: "127.0.0.1",
    "online-mode": false,
    version,
    motd: `flying-squid ${version}`,
    "max-players": 50,
    "max-entities": 1000,
    logging: false,
    noConsoleOutput: true,
    hideErrors: true,
    generation: { name: "superflat", options: { worldHeight: 80 } },
    "view-distance": 2,
    kickTimeout: 10_000,
    "everybody-op": false,
    plugins: {},
    // In memory: no world files in the working directory.
    worldFolder: undefined
  })
  squid.on("newPlayer", (player) => player.on("chat", ({ message }) => chats.push({ player: player.username, message })))
  await new Promise<void>((resolve, reject) => {
    squid.on("listening", () => resolve())
    squid.on("error", reject as never)
  })
  return {
    port,
    address: `127.0.0.1:${port}`,
    chats,
    positionOf: (name) => squid.players.find((p) => p.username === name)?.position,
    broadcast: (text) => squid.broadcast(text),
    close: () => squid.quit("test over")
  }
}

export type Bot = ReturnType<typeof mineflayer.createBot>

/** A mineflayer bot through `port` with `host` in its handshake; resolves once it spawned. */
export const spawnBot = (version: string, port: number, host: string, username: string, timeoutMs = 15_000): Promise<Bot> =>
  new Promise((resolve, reject) => {
    const bot = mineflayer.createBot({ host: "127.0.0.1", port, username, version, auth: "offline", fakeHost: host, hideErrors: true } as never)
    const timer = setTimeout(() => (bot.end(), reject(new Error(`${username} did not spawn within ${timeoutMs} ms`))), timeoutMs)
    bot.once("spawn", () => (clearTimeout(timer), resolve(bot)))
    bot.once("kicked", (reason) => (clearTimeout(timer), reject(new Error(`${username} was kicked: ${JSON.stringify(reason)}`))))
    bot.once("error", (e) => (clearTimeout(timer), reject(e)))
  })
