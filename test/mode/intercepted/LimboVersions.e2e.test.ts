/**
 * The limbo in a live session for every version minecraft-protocol speaks (1.7 to the newest):
 * a login to a server with `limbo_handlers = ["holder"]` (test/support/plugins/limbo-holder.ts)
 * is held in the limbo, where the player receives a title and a chat line; released, it is
 * switched to the real backend (which saw nobody before) and chats there.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { fileURLToPath } from "node:url"
import { mcServer } from "../../support/McPeers.ts"
import { waitUntil } from "../../support/Poll.ts"
import { VERSIONS } from "./support.ts"
import { awaitMessage, offlineServer, startProxy, watchedPlayer } from "./switching.ts"

const HOLDER = fileURLToPath(new URL("../../support/plugins/limbo-holder.ts", import.meta.url))

const heldThenReleased = (version: string) =>
  Effect.gen(function*() {
    const hub = yield* mcServer(version)
    const proxy = yield* startProxy({
      global: `[plugins.limbo_holder]\npath = ${JSON.stringify(HOLDER)}\n`,
      servers: { "hub.toml": offlineServer("hub", hub.address, `limbo_handlers = ["holder"]`) }
    })
    const w = yield* watchedPlayer(version, proxy.port, "hub", "Held")
    const titles: Array<unknown> = []
    const c = w.player.client as unknown as { on: (e: string, l: (p: unknown) => void) => void }
    for (const name of ["title", "set_title_text"]) c.on(name, (p) => titles.push(p))
    w.player.client.chat("ready")
    yield* awaitMessage(w, "held:Held")
    // 1.7 has no titles: the limbo cannot show one.
    if (!version.startsWith("1.7")) yield* waitUntil(() => titles.some((t) => JSON.stringify(t).includes("Held")), "the title")
    assert.strictEqual(hub.logins(), 0, "the backend has seen nobody yet")
    w.player.client.chat("release")
    yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("switched Held from the limbo to 'hub'")), "the switch to the hub")
    assert.strictEqual(hub.logins(), 1)
    assert.isTrue(yield* Effect.promise(() => w.player.chatEchoed("at-the-hub")), "chat on the backend")
    assert.deepStrictEqual(hub.chats, ["at-the-hub"])
  })

describe("the limbo in a session, every version", () => {
  for (const version of VERSIONS) {
    it.live(version, () => heldThenReleased(version), { timeout: 30_000 })
  }
})
