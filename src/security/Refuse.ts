/**
 * Carrying out a policy refusal (security/Refusal.ts), wherever in the pipeline it was decided:
 * the connection's outcome becomes `refused`, the reason is logged at the refusal's level, and
 * the player gets its kick when it has one.
 */
import { Effect, type LogLevel } from "effect"
import type * as Net from "node:net"
import { LogThrottle } from "../observability/LogThrottle.ts"
import { settleOutcome } from "../observability/ConnectionReport.ts"
import type { Refusal } from "./Refusal.ts"
import { kick } from "../socket/Kick.ts"

/**
 * Lines a peer can trigger at will (refusals, PROXY mismatches, untrusted peers) go through the
 * log throttle by kind: a few per minute keep their level, then one summary line counts the
 * rest, however many addresses the flood comes from. Debug lines are not throttled.
 */
export const throttledLevel = (
  throttle: LogThrottle["Service"],
  level: LogLevel.Severity,
  peer: string | undefined,
  kind: string
): Effect.Effect<LogLevel.Severity> =>
  level === "Debug" || level === "Trace" ? Effect.succeed(level) : throttle.level(`${kind}|${peer ?? "?"}`, level)

export const refuseConnection = (socket: Net.Socket, refusal: Refusal) =>
  Effect.gen(function*() {
    yield* settleOutcome("refused")
    const level = yield* throttledLevel(yield* LogThrottle, refusal.level, refusal.subject ?? socket.remoteAddress, refusal.kind ?? refusal.reason.slice(0, 24))
    yield* Effect.logWithLevel(level)(refusal.reason)
    if (refusal.kick !== undefined) yield* kick(socket, refusal.kick)
  })
