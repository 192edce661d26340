/**
 * A server-list ping answered in the arrival gate, without a fiber, when the whole exchange fits
 * in one synchronous step: the cached-status shortcut decides it (StatusShortcut.ts: same
 * checks, same tables, same rate bucket), the client already sent its ping and nothing after it,
 * the kernel takes the status response and the pong in one write, and the socket is closed
 * before this call returns. Nothing of the connection outlives the call, so there is no lifetime
 * for a fiber or a Scope to own; a fiber per ping was the largest share of a cached ping's cost
 * left (docs/performance.md, "Issue 18, sixth pass"), and a server-list ping flood is the most
 * common attack on a network.
 *
 * Every other case gets its fiber as before, and what the gate already decided travels with it
 * on the pending entry (`shortcut`): a rate-limited ping (it is logged, which takes a fiber), a
 * vanilla client that sends its ping only after reading the response, and an answer the kernel
 * did not take whole (the fiber closes gracefully after it). With tracing on, or when nothing is
 * held (`first_packet_timeout = "0s"`), the gate does nothing and the pipeline decides.
 */
import { Clock, Context, References } from "effect"
import type * as Net from "node:net"
import { normalizeRemoteAddress } from "../address/IpAddress.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { countAnsweredInGate } from "../observability/ConnectionReport.ts"
import { closeWithAnswer } from "../socket/GracefulClose.ts"
import type { PendingConnections, PendingEntry } from "./PendingConnections.ts"
import { pongAtStart, responseFrame } from "./StatusFrames.ts"
import { cachedStatusAnswer, type ShortcutServices, takeStatusToken } from "./StatusShortcut.ts"

/** Whether the gate answered and closed `socket` itself (true), or it should get its fiber. */
export type GateAnswer = (socket: Net.Socket, entry: PendingEntry) => boolean

export const makeGateAnswer = (
  services: ShortcutServices,
  pending: PendingConnections,
  config: () => ProxyConfig,
  /** The context connection fibers run with: the same clock, tracer switch and metrics. */
  context: Context.Context<never>
): GateAnswer => {
  const clock = Context.get(context, Clock.Clock)
  const tracing = Context.get(context, References.TracerEnabled)
  return (socket, entry) => {
    const held = entry.held
    if (tracing || held === undefined) return false
    const startNanos = clock.currentTimeNanosUnsafe()
    const now = clock.currentTimeMillisUnsafe()
    const client = normalizeRemoteAddress(socket.remoteAddress ?? "0.0.0.0")
    const current = config()
    const answer = cachedStatusAnswer(services, held, client, current, now, context)
    // Looked at: the pipeline does not decode the same bytes again for a login.
    entry.shortcut = null
    if (answer === undefined) return false
    const reply = takeStatusToken(services, answer, client, current, now)
    const response = reply.limited === undefined ? responseFrame(reply.json) : undefined
    const ping = response === undefined ? undefined : pongAtStart(held.subarray(answer.consumed))
    // Closed at once only with nothing unread and the answer in the kernel (socket/GracefulClose.ts).
    const closed = ping === undefined
      ? "unwritten"
      : closeWithAnswer(socket, Buffer.concat([response!, ping.pong]), held.length - answer.consumed - ping.taken)
    if (closed !== "closed") {
      entry.shortcut = closed === "written" ? { ...reply, written: true } : reply
      return false
    }
    pending.leave(entry)
    countAnsweredInGate(Number(clock.currentTimeNanosUnsafe() - startNanos) / 1e9, context)
    return true
  }
}
