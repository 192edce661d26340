/**
 * When the current backend kicks the player (a Disconnect packet) or goes away under it (EOF or
 * a reset without one), reference §2.13: KickedFromServer fires first, awaited, with the default
 * `DisconnectPlayer{backend's reason}`, so plugins decide before the proxy does:
 *
 * - `RedirectTo{server}`: the player is switched there (any trigger);
 * - a result no listener changed, for a backend that went away without a Disconnect packet:
 *   the server's `fallback` servers are tried in order (the switch rules apply to each) and the
 *   player is told in chat where it landed and why, then the limbo with the server's own
 *   `limbo_handlers` (which bring it back when they are done); when none takes it, the default:
 *   a disconnect with the backend's reason. A Disconnect *packet* is a
 *   kick the admin wants the player to see, so it never falls back on its own;
 * - `Notify{message}`: the message in chat, then the disconnect;
 * - `SendToLimbo{handlers}`: the player is moved to the limbo (entry KickedFromServer) with those
 *   handlers, or the server's `limbo_handlers` when the list is empty; with neither, the
 *   disconnect with the backend's reason. When the handlers are done the player goes back to
 *   the server (docs/limbo.md).
 *
 * The limbo itself closing on the player (a keep-alive timeout) is no kick from a server: the
 * player reads its reason, and no event fires.
 *
 * A move runs in a fiber of the session's scope: the loop must keep running to cut over.
 */
import { Effect } from "effect"
import type { KickedResult } from "../../event/ProxyEvent.ts"
import { encodeSystemText, type Text } from "../../protocol/TextPackets.ts"
import type { LimboRequest } from "./LimboJoin.ts"
import type { Driver, SwitchTarget } from "./SessionDriver.ts"
import { textOf } from "./TextOf.ts"

export const handleBackendLoss = (d: Driver, reason: string, crashed: boolean): Effect.Effect<void> => Effect.gen(function*() {
  const { o } = d
  if (d.limbo !== undefined) return d.disconnect(textOf(reason), crashed ? "the limbo closed" : `the limbo disconnected the player: ${reason}`)
  const detail = crashed ? "the backend closed the connection" : `kicked by the backend: ${reason}`
  const initial: KickedResult = { _tag: "DisconnectPlayer", reason }
  const result = yield* o.events.fire({ _tag: "KickedFromServer", player: o.player, server: d.server.id, reason }, initial)
  switch (result._tag) {
    case "DisconnectPlayer": {
      const targets: Array<SwitchTarget> = [...d.server.config.fallback]
      // After the fallback servers, the server's own limbo handlers hold the player.
      if (d.server.config.limboHandlers.length > 0) targets.push({ limbo: kickedLimbo(d, d.server.config.limboHandlers, reason) })
      if (result !== initial || !crashed || targets.length === 0) return d.disconnect(textOf(result.reason), detail)
      return yield* moveAway(d, targets, reason, detail)
    }
    case "RedirectTo":
      return yield* moveAway(d, [result.server], reason, detail)
    case "Notify":
      if (d.pumps.state.down === "play") d.send(encodeSystemText(o.protocol, textOf(result.message), false))
      return d.disconnect(textOf(reason), detail)
    case "SendToLimbo": {
      const names = result.handlers.length > 0 ? result.handlers : d.server.config.limboHandlers
      if (names.length === 0) return d.disconnect(textOf(reason), `${detail} (SendToLimbo, but no limbo handlers)`)
      return yield* moveAway(d, [{ limbo: kickedLimbo(d, names, reason) }], reason, detail)
    }
  }
})

const kickedLimbo = (d: Driver, names: ReadonlyArray<string>, reason: string): LimboRequest =>
  ({ names, strictness: "lenient", entry: { _tag: "KickedFromServer", server: d.server.id, reason } })

const movedText = (server: string, reason: string): Text => ({ text: `You were moved to '${server}': `, extra: [textOf(reason)] })

/** The first of `targets` that takes the player; else the disconnect with the backend's reason. */
const moveAway = (d: Driver, targets: ReadonlyArray<SwitchTarget>, reason: string, detail: string): Effect.Effect<void> => Effect.gen(function*() {
  const { pumps } = d
  if (pumps.state.down !== "play" || pumps.state.up !== "play") return d.disconnect(textOf(reason), `${detail} (not in play: no switch)`)
  yield* d.release
  pumps.dropBackend()
  // A switch already under way takes the player (or disconnects it when it fails).
  if (d.switching) return
  const attempt = Effect.gen(function*() {
    for (const target of targets) {
      const outcome = yield* d.switchTo(target, "silent")
      // In the limbo, its handlers speak to the player.
      if (outcome._tag === "Switched") {
        if (typeof target === "string") d.send(encodeSystemText(d.o.protocol, movedText(outcome.server, reason), false))
        return
      }
      const where = typeof target === "string" ? `'${target}'` : "the limbo"
      yield* Effect.logInfo(`${d.o.player.name} could not be moved to ${where}: ${outcome._tag === "Refused" ? outcome.reason : outcome._tag}`)
    }
    d.disconnect(textOf(reason), `${detail} (no fallback server took the player)`)
  })
  yield* Effect.forkIn(attempt, d.o.switching.session.scope)
})
