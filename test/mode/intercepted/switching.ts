/**
 * Shared pieces of the server-switching tests: a proxy in offline mode in front of real
 * minecraft-protocol backends in one network, the switcher test plugin, and a player that
 * records what a world change sends it (Join Games, Respawns with their dimensions, chat).
 */
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { joinAndStay, type Player } from "../../support/McClients.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"

export const SWITCHER = fileURLToPath(new URL("../../support/plugins/switcher.ts", import.meta.url))

export const switcherConfig = (extra = "") => `[plugins.switcher]\npath = ${JSON.stringify(SWITCHER)}\n[plugins.switcher.config]\n${extra}\n`

/** A server file of an offline-mode server (`<id>.example.com`), with extra lines (network, fallback). */
export const offlineServer = (id: string, address: string, extra = "") =>
  serverToml([`${id}.example.com`], [address], `proxy_mode = "offline"\n${extra}`)

export interface Watched {
  readonly player: Player
  readonly logins: Array<Record<string, unknown>>
  readonly respawns: Array<Record<string, unknown>>
  readonly messages: Array<string>
  readonly starts: () => number
}

/** Joins through `server`'s domain and records the world-change packets it receives from then on. */
export const watchedPlayer = (version: string, port: number, server: string, name = "Steve") =>
  Effect.gen(function*() {
    const logins: Array<Record<string, unknown>> = []
    const respawns: Array<Record<string, unknown>> = []
    const messages: Array<string> = []
    let starts = 0
    const player = yield* Effect.promise(() => joinAndStay(version, port, `${server}.example.com`, name))
    yield* Effect.addFinalizer(() => Effect.sync(() => player.leave()))
    const c = player.client as unknown as { on: (e: string, l: (p: Record<string, unknown>) => void) => void }
    c.on("login", (p) => logins.push(p))
    c.on("respawn", (p) => respawns.push(p))
    c.on("start_configuration", () => starts++)
    const text = (p: Record<string, unknown>) => messages.push(JSON.stringify(p["message"] ?? p["content"] ?? p["formattedMessage"] ?? p))
    c.on("chat", text)
    c.on("system_chat", text)
    return { player, logins, respawns, messages, starts: () => starts } as Watched
  })

/** Waits (bounded) for a chat message containing `needle`. */
export const awaitMessage = (w: Watched, needle: string, timeoutMs = 10_000) =>
  waitUntil(() => w.messages.some((m) => m.includes(needle)), `a message with ${needle} (got ${JSON.stringify(w.messages)})`, timeoutMs)

export { startProxy }
