/**
 * Shared pieces of the built-in plugin tests: a real minecraft-protocol player that records
 * every text the proxy shows it (chat, titles, action bars) and every world it joins, so a test
 * can wait for a line instead of sleeping.
 */
import { Effect } from "effect"
import { joinAndStay, type JoinOptions, type Player } from "../../support/McClients.ts"
import { waitUntil } from "../../support/Poll.ts"

const TEXT_PACKETS = new Set(["chat", "system_chat", "title", "set_title_text", "set_title_subtitle", "action_bar"])

export interface Recorded {
  readonly player: Player
  /** `<packet name> <its fields as JSON>` for each text packet, in order. */
  readonly texts: Array<string>
  /** Join Games received (the limbo's, then each backend's). */
  readonly joins: () => number
}

const json = (data: unknown) => JSON.stringify(data, (_k, v) => (typeof v === "bigint" ? Number(v) : v))

/** Joins through `host` (the limbo or a backend) and records from the first packet on. */
export const recordedPlayer = (version: string, port: number, host: string, name: string, options: JoinOptions = {}) =>
  Effect.gen(function*() {
    const texts: Array<string> = []
    let joins = 0
    const player = yield* Effect.promise(() =>
      joinAndStay(version, port, host, name, {
        ...options,
        onClient: (client) =>
          client.on("packet", (data: Record<string, unknown>, meta: { name: string }) => {
            // From 1.19 the action bar is a system chat flagged as such: recorded as action_bar.
            const name = meta.name === "system_chat" && data["isActionBar"] === true ? "action_bar" : meta.name
            if (TEXT_PACKETS.has(name)) texts.push(`${name} ${json(data)}`)
            if (meta.name === "login") joins++
          })
      })
    )
    yield* Effect.addFinalizer(() => Effect.sync(() => player.leave()))
    return { player, texts, joins: () => joins } as Recorded
  })

/** Waits (bounded) for a text packet of `packet` whose fields contain every needle. */
export const awaitText = (r: Recorded, packet: string, needles: ReadonlyArray<string>, timeoutMs = 10_000) =>
  waitUntil(
    () => r.texts.some((t) => t.startsWith(`${packet} `) && needles.every((n) => t.includes(n))),
    `${packet} with ${needles.join(", ")} (got ${r.texts.slice(-6).join(" | ")})`,
    timeoutMs
  )
