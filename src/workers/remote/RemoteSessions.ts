/**
 * `Sessions` in a worker thread: the registry is the coordinator's, for all workers at once.
 *
 * `registerWithin` asks the coordinator, whose check-and-insert is one synchronous step, so of
 * several logins racing for the last `max_players` slot on different workers exactly one wins.
 * The registration is a lease: the worker remembers the calling fiber (its connection) so a
 * kick from the coordinator interrupts it, and releases the lease when the connection's Scope
 * closes. The lease is opened before the request is sent, so an interruption at any point
 * still sends the release (the coordinator ignores releases of leases it never granted).
 */
import { Effect, Layer, Option } from "effect"
import { registerOf, Sessions } from "../../session/Sessions.ts"
import { WorkerChannel } from "../WorkerChannel.ts"

export const layer: Layer.Layer<Sessions, never, WorkerChannel> = Layer.effect(
  Sessions,
  Effect.gen(function*() {
    const channel = yield* WorkerChannel
    const { link } = channel

    const registerWithin = (info: Parameters<Sessions["Service"]["registerWithin"]>[0], maxPlayers: number) =>
      Effect.gen(function*() {
        const lease = yield* channel.openLease(channel.sessions, yield* Effect.fiber)
        const added = yield* link.call("sessions.register", { lease, info, maxPlayers })
        if (added === undefined) channel.sessions.delete(lease)
        return Option.fromUndefinedOr(added)
      })

    return Sessions.of({
      register: registerOf(registerWithin),
      registerWithin,
      total: link.call("sessions.count", {}),
      countForServer: (server) => link.call("sessions.count", { server }),
      countForBackend: (backend) => link.call("sessions.count", { backend }),
      list: link.call("sessions.list", undefined),
      kick: (id) => link.call("sessions.kick", id)
    })
  })
)
