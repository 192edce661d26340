/**
 * What one client connection amounted to, filled in by the stages as they go and turned into
 * metrics and span attributes once, when the connection ends:
 *
 * - `infrarust.connections.active` goes up when the connection starts and down when it ends;
 * - `infrarust.handshake.duration` measures accept → complete handshake (PROXY header included);
 * - `infrarust.connections.total` {outcome} counts it once, by how it ended;
 * - the `proxy.connection` span gets `proxy.outcome` and, for a relayed session, the byte
 *   counts and end reason.
 *
 * The stages only call {@link settleOutcome} (the first decision wins: a login to an unknown
 * domain is `unknown_domain`, not the `refused` of the kick that follows). A failure counts as
 * `error` (`closed` when the client simply hung up); an interruption (shutdown, kick) keeps
 * the outcome reached, so a session cut by a restart still counts as `relayed`.
 */
import { Cause, Clock, Context, Effect, Exit, type Fiber, Option, References } from "effect"
import { backendConnectDuration, connectionsActive, connectionsTotal, handshakeDuration, sessionDuration, taggedBy, taggedEach } from "./Metrics.ts"

const OUTCOMES = ["relayed", "status", "legacy_ping", "refused", "unknown_domain", "no_backend", "closed", "error"] as const
export type ConnectionOutcome = typeof OUTCOMES[number]

export interface SessionSummary {
  readonly c2b: number
  readonly b2c: number
  readonly endReason: string
}

interface Report {
  readonly startNanos: bigint
  outcome: ConnectionOutcome | undefined
  session: SessionSummary | undefined
}

/** The report of the connection the current fiber serves; absent outside connections. */
class CurrentConnection extends Context.Service<CurrentConnection, Report>()("infrarust/observability/CurrentConnection") {}

/** Runs `f` with the report of the connection the fiber serves, in one step; nothing outside a connection. */
const withReport = (f: (report: Report, fiber: Fiber.Fiber<unknown, unknown>) => void): Effect.Effect<void> =>
  Effect.withFiberSucceed((fiber) => {
    const report = Context.getOrUndefined(fiber.context, CurrentConnection)
    if (report !== undefined) f(report, fiber)
  })

/** Records how the connection ends, unless an earlier stage already decided. */
export const settleOutcome = (outcome: ConnectionOutcome): Effect.Effect<void> =>
  withReport((report) => {
    report.outcome ??= outcome
  })

/** The handshake is complete: observe its duration since accept. */
export const handshakeCompleted: Effect.Effect<void> = withReport((report, fiber) => {
  const now = fiber.getRef(Clock.Clock).currentTimeNanosUnsafe()
  handshakeDuration.updateUnsafe(Number(now - report.startNanos) / 1e9, fiber.context)
})

/** A relayed session ended: its bytes and reason go on the connection span, its length into the histogram. */
export const sessionEnded = (server: string, summary: SessionSummary, seconds: number): Effect.Effect<void> =>
  Effect.withFiberSucceed((fiber) => {
    const report = Context.getOrUndefined(fiber.context, CurrentConnection)
    if (report !== undefined) report.session = summary
    durationOf(server).updateUnsafe(seconds, fiber.context)
  })

/** Times a successful backend connect into `infrarust.backend.connect.duration` {server}. */
export const timeBackendConnect = (server: string) => <A, E, R>(dial: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  // The clock and the histogram in place: one step before and one after (every login dials).
  Effect.withFiber((fiber) => {
    const clock = fiber.getRef(Clock.Clock)
    const start = clock.currentTimeNanosUnsafe()
    return Effect.tap(dial, () =>
      Effect.withFiber((fiber) => {
        connectDurationOf(server).updateUnsafe(Number(clock.currentTimeNanosUnsafe() - start) / 1e9, fiber.context)
        return Effect.void
      }))
  })

/**
 * A status ping the arrival gate answered and closed without a fiber (connection/GateAnswer.ts):
 * counted as a connection whose outcome is `status`, with its handshake's duration. The active
 * gauge went up and down within that one call, so it is left as it is.
 */
export const countAnsweredInGate = (handshakeSeconds: number, context: Context.Context<never>): void => {
  handshakeDuration.updateUnsafe(handshakeSeconds, context)
  outcomeCounters.status.updateUnsafe(1, context)
}

const outcomeCounters = taggedEach(connectionsTotal, "outcome", OUTCOMES)
const durationOf = taggedBy(sessionDuration, "server")
const connectDurationOf = taggedBy(backendConnectDuration, "server")

const finalOutcome = (report: Report, exit: Exit.Exit<unknown, unknown>): ConnectionOutcome => {
  if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
    const error = Cause.squash(exit.cause) as { readonly _tag?: unknown } | undefined
    return error?._tag === "ClientClosed" ? "closed" : "error"
  }
  return report.outcome ?? "closed"
}

/**
 * Runs `effect` (the whole connection) under the connection metrics, and hands a failure to
 * `onFailure` (the log line) while the connection's span is still current, so the line
 * carries its trace ids. No generator and a single exit frame: this wrapper stays on the
 * fiber's stack for the whole life of a relayed session (see ConnectionHandler).
 */
export const observeConnection = <E>(onFailure: (error: E) => Effect.Effect<void>) =>
<A, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  // Metrics are updated in place (`*Unsafe` with the fiber's context): one step each time
  // instead of three per metric, on a path every connection takes twice.
  Effect.withFiber((fiber) => {
    const report: Report = { startNanos: fiber.getRef(Clock.Clock).currentTimeNanosUnsafe(), outcome: undefined, session: undefined }
    connectionsActive.modifyUnsafe(1, fiber.context)
    return effect.pipe(
      Effect.provideService(CurrentConnection, report),
      Effect.onExit((exit) =>
        Effect.withFiber((fiber) => {
          const outcome = finalOutcome(report, exit)
          connectionsActive.modifyUnsafe(-1, fiber.context)
          outcomeCounters[outcome].updateUnsafe(1, fiber.context)
          const failure = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
          const logged = failure === undefined ? Effect.void : onFailure(failure)
          if (!fiber.getRef(References.TracerEnabled)) return logged
          const session = report.session
          return Effect.andThen(
            Effect.annotateCurrentSpan(
              session === undefined
                ? { "proxy.outcome": outcome }
                : {
                  "proxy.outcome": outcome,
                  "proxy.bytes_c2b": session.c2b,
                  "proxy.bytes_b2c": session.b2c,
                  "proxy.end_reason": session.endReason
                }
            ),
            logged
          )
        })
      )
    )
  })
