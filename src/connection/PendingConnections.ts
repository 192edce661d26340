/**
 * The connections the proxy is still waiting on (slowloris floods): in their PROXY header,
 * handshake or status exchange, or before their login start. At the cap the oldest is closed to
 * make room: idle half-open connections cannot lock real players out, since a real client sends
 * its handshake and login start within a round trip.
 */
import { Effect } from "effect"
import type * as Net from "node:net"
import { countRejection } from "../security/Admission.ts"

export class PendingConnections {
  /** Oldest first (a Map keeps insertion order). */
  private readonly sockets = new Map<number, Net.Socket>()
  private nextId = 0

  /** Registers `socket` (closing the oldest at the cap `max`; 0 = no cap); the effect returned takes it off the list. */
  enter(socket: Net.Socket, max: number): Effect.Effect<Effect.Effect<void>> {
    return Effect.gen({ self: this }, function*() {
      if (max > 0 && this.sockets.size >= max) {
        const oldest = this.sockets.entries().next()
        if (oldest.done !== true) {
          const [oldestId, oldestSocket] = oldest.value
          this.sockets.delete(oldestId)
          oldestSocket.destroy()
          yield* countRejection("pending_limit")
          yield* Effect.logDebug(`${max} connections in their handshake: closed the oldest (${oldestSocket.remoteAddress ?? "?"})`)
        }
      }
      const id = this.nextId++
      this.sockets.set(id, socket)
      return Effect.sync(() => {
        this.sockets.delete(id)
      })
    })
  }
}
