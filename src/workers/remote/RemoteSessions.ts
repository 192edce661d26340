/**
 * `Sessions` in a worker thread: the registry is the coordinator's, for all workers at once.
 *
 * `open` with a `max_players` to check asks the coordinator, whose check-and-insert is one
 * synchronous step, so of several logins racing for the last slot on different workers exactly
 * one wins. With none (0), nothing can refuse it: the worker names the session from the shared
 * id counter and tells the coordinator without waiting (`sessionOpened`). The
 * registration is a lease: the worker remembers the calling fiber (its connection) so a kick from
 * the coordinator (an admin, a plugin, or a newer login of the same verified UUID) interrupts it,
 * and releases the lease when the session's Scope closes. The lease is opened before the request
 * is sent, so an interruption at any point still sends the release (the coordinator ignores
 * releases of leases it never granted).
 */
import { Clock, Effect, Layer, Option } from "effect"
import { newSessionInfo } from "../../session/Session.ts"
import { sharedSessionIds } from "../../session/SessionIds.ts"
import { outcomeOfAct, Sessions } from "../../session/Sessions.ts"
import { familyOf } from "../../mode/ModeHandler.ts"
import { WorkerChannel } from "../WorkerChannel.ts"

export const layer: Layer.Layer<Sessions, never, WorkerChannel> = Layer.effect(
  Sessions,
  Effect.gen(function*() {
    const channel = yield* WorkerChannel
    const { link } = channel
    const ids = sharedSessionIds(channel.data.sessionIds)
    const find = (query: { readonly id?: number; readonly name?: string; readonly uuid?: string }) =>
      Effect.map(link.call("sessions.find", query), Option.fromUndefinedOr)

    return Sessions.of({
      open: (init, state, maxPlayers, actor) =>
        Effect.gen(function*() {
          const lease = yield* channel.openLease(channel.sessions, { fiber: yield* Effect.fiber, actor })
          if (maxPlayers === 0) {
            // Nothing to check, so nothing to wait for: named here from the shared counter and
            // sent (the coordinator registers it before it reads this lease's release).
            const info = newSessionInfo(init, ids(), yield* Clock.currentTimeMillis, state)
            link.cast("sessionOpened", { lease, info, actor: actor !== undefined })
            return Option.some(info)
          }
          const added = yield* link.call("sessions.open", { lease, init, state, maxPlayers, actor: actor !== undefined })
          if (added === undefined) channel.sessions.delete(lease)
          return Option.fromUndefinedOr(added)
        }),
      // With no max_players to check the move cannot be refused: it is sent, not asked. (The
      // registry says false only for a session already gone, which its own end follows.)
      transition: (id, state, maxPlayers) =>
        maxPlayers === 0
          ? Effect.sync(() => (link.cast("sessionState", { id, state }), true))
          : link.call("sessions.transition", { id, state, maxPlayers }),
      total: link.call("sessions.count", {}),
      countForServer: (server) => link.call("sessions.count", { server }),
      countForBackend: (backend) => link.call("sessions.count", { backend }),
      list: link.call("sessions.list", undefined),
      get: (id) => find({ id }),
      findByName: (name) => find({ name }),
      findByUuid: (uuid) => find({ uuid }),
      kick: (id, reason) => link.call("sessions.kick", { id, reason }),
      act: (id, action) => link.call("sessions.act", { id, action }),
      // The coordinator's actors answer yes or no (the player read the reason in chat).
      switchTo: (id, server) =>
        Effect.flatMap(find({ id }), (found) =>
          Option.isNone(found)
            ? Effect.succeed({ _tag: "NotFound" } as const)
            : familyOf(found.value.mode) === "forwarding"
            ? Effect.succeed({ _tag: "NotIntercepted" } as const)
            : Effect.map(link.call("sessions.act", { id, action: { _tag: "Switch", server } }), (ok) => outcomeOfAct(server, ok)))
    })
  })
)
