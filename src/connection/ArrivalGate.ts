/**
 * What happens to an accepted socket before it costs a fiber: it is counted as pending
 * (PendingConnections.ts, which may close older half-open connections to make room) and waits,
 * in plain Node code, for its whole first packet (FirstFrame.ts: a PROXY header or a
 * handshake). Only a connection that completes it within `[limits] first_packet_timeout` gets
 * the Effect pipeline (ConnectionHandler.ts); a silent or trickling (slowloris) one is closed and
 * counted, having cost its socket, the few bytes it sent, two listeners and one timer. The bytes
 * read while waiting ride on the pending entry (`held`) into the pipeline's first buffer. With no
 * deadline (`first_packet_timeout = "0s"`) the first byte is enough, since nothing would bound
 * the wait.
 *
 * Socket errors are swallowed from the first moment: a reset during the wait must not become an
 * unhandled 'error' event.
 */
import { constVoid } from "effect/Function"
import type * as Net from "node:net"
import { firstFrameReady } from "./FirstFrame.ts"
import type { GateAnswer } from "./GateAnswer.ts"
import type { Admission } from "./Listener.ts"
import type { PendingConnections, PendingLimits } from "./PendingConnections.ts"

export interface GateSettings {
  readonly limits: PendingLimits
  /** 0 = no deadline. */
  readonly firstPacketTimeoutMs: number
  /** The key a socket counts against per address; undefined while the client is not known yet (PROXY protocol). */
  readonly keyOf: (socket: Net.Socket) => string | undefined
}

export const makeArrivalGate = (
  pending: PendingConnections,
  settings: () => GateSettings,
  /** Answers what needs no fiber (GateAnswer.ts); true = answered and closed. */
  answer?: GateAnswer
): Admission => ({
  admit: (socket, start) => {
    socket.on("error", constVoid)
    const current = settings()
    const entry = pending.enter(socket, current.keyOf(socket), current.limits)
    let timer: NodeJS.Timeout | undefined
    const finish = () => {
      if (timer !== undefined) clearTimeout(timer)
      socket.off("readable", onReadable)
      socket.off("end", onEnd)
      socket.off("close", onClose)
    }
    const whole = current.firstPacketTimeoutMs > 0
    function onReadable() {
      if (whole) {
        for (let chunk: Buffer | null; (chunk = socket.read() as Buffer | null) !== null;) {
          entry.held = entry.held === undefined ? chunk : Buffer.concat([entry.held, chunk])
        }
        // Incomplete and still in time: wait for more (an EOF ends the wait through onEnd).
        if (entry.held === undefined || !firstFrameReady(entry.held)) return
      }
      finish()
      if (answer !== undefined && answer(socket, entry)) return
      start()
    }
    // The client half-closed before completing its first packet: the pipeline reports what it got.
    function onEnd() {
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
    // A 'readable' listener makes the paused socket read; it fires on new bytes (or EOF).
    socket.on("readable", onReadable)
    socket.once("end", onEnd)
    socket.once("close", onClose)
  },
  evictOldest: () => pending.evictOldest(),
  refused: () => pending.countRefused()
})
