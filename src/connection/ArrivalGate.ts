/**
 * What happens to an accepted socket before it costs a fiber: it is counted as pending
 * (PendingConnections.ts, which may close older half-open connections to make room) and waits,
 * in plain Node code, for its first bytes. Only a connection that sends something within
 * `[limits] first_packet_timeout` gets the Effect pipeline (ConnectionHandler.ts); a silent one
 * is closed and counted, having cost its socket, one listener pair and one timer.
 *
 * Socket errors are swallowed from the first moment: a reset during the wait must not become an
 * unhandled 'error' event.
 */
import type * as Net from "node:net"
import type { Admission } from "./Listener.ts"
import type { PendingConnections, PendingLimits } from "./PendingConnections.ts"

export interface GateSettings {
  readonly limits: PendingLimits
  /** 0 = no deadline. */
  readonly firstPacketTimeoutMs: number
  /** The key a socket counts against per address; undefined while the client is not known yet (PROXY protocol). */
  readonly keyOf: (socket: Net.Socket) => string | undefined
}

const ignore = () => {}

export const makeArrivalGate = (pending: PendingConnections, settings: () => GateSettings): Admission => ({
  admit: (socket, start) => {
    socket.on("error", ignore)
    const current = settings()
    const entry = pending.enter(socket, current.keyOf(socket), current.limits)
    let timer: NodeJS.Timeout | undefined
    const finish = () => {
      if (timer !== undefined) clearTimeout(timer)
      socket.off("readable", onReadable)
      socket.off("close", onClose)
    }
    function onReadable() {
      finish()
      start()
    }
    function onClose() {
      finish()
      pending.leave(entry)
    }
    if (current.firstPacketTimeoutMs > 0) {
      timer = setTimeout(() => {
        finish()
        pending.countSilent(entry)
        pending.leave(entry)
        socket.destroy()
      }, current.firstPacketTimeoutMs)
    }
    // A 'readable' listener makes the paused socket read; it fires on the first bytes (or EOF).
    socket.once("readable", onReadable)
    socket.once("close", onClose)
  },
  evictOldest: () => pending.evictOldest(),
  refused: () => pending.countRefused()
})
