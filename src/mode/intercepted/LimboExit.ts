/**
 * Acting on how a limbo visit ended (the limbo itself only reports it, src/limbo/Limbo.ts):
 *
 * - Completed: the handlers all accepted; the player goes to the entry's target (the server it
 *   was heading for, or was kicked from, or came from), by an ordinary switch;
 * - Redirect(server): the same, to the handler's choice;
 * - Denied(reason): disconnected with the reason;
 * - Left: the player is gone; the session's end is already under way.
 *
 * Leaving the limbo skips the network rule (the handlers chose), not the rest: a target that is
 * full, filtered or unreachable disconnects the player with "Server switch failed: <why>", as
 * there is nowhere left to hold them.
 */
import { Effect } from "effect"
import type { LimboVisit } from "../../limbo/Limbo.ts"
import type { Driver } from "./SessionDriver.ts"

export const followLimbo = (d: Driver, visit: LimboVisit): Effect.Effect<void> =>
  Effect.flatMap(visit.exit, (exit) => {
    if (d.limbo !== visit) return Effect.void
    switch (exit._tag) {
      case "Left":
        return Effect.void
      case "Denied":
        return Effect.sync(() => d.disconnect(exit.reason, "denied in the limbo"))
      case "Completed":
      case "Redirect": {
        const target = exit._tag === "Redirect" ? exit.server : exit.target ?? d.server.id
        return Effect.flatMap(d.switchTo(target, "silent"), (outcome) =>
          outcome._tag === "Switched" || d.limbo !== visit
            ? Effect.void
            : Effect.sync(() => {
              const why = outcome._tag === "Refused" ? outcome.reason : `cannot go to '${target}'`
              d.disconnect(`Server switch failed: ${why}`, `leaving the limbo for '${target}' failed: ${why}`)
            }))
      }
    }
  })
