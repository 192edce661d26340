/**
 * Keeps repeated log lines about one subject (a banned range, a peer sending the wrong PROXY
 * header) from flooding the log: the first line per subject per window keeps its level, the
 * rest drop to Debug. An attacker controls how often these events happen, never how many
 * lines an operator reads at Info and above.
 *
 * The table is bounded: past {@link MAX_SUBJECTS} the oldest subject is forgotten (it may then
 * be reported once more — harmless).
 */
import { Clock, Context, Effect, Layer, type LogLevel } from "effect"

export const THROTTLE_WINDOW_MS = 60_000
export const MAX_SUBJECTS = 10_000

export class LogThrottle extends Context.Service<LogThrottle, {
  /** `loud` the first time `subject` is reported in a window, else "Debug". */
  readonly level: (subject: string, loud: LogLevel.Severity) => Effect.Effect<LogLevel.Severity>
}>()("infrarust/observability/LogThrottle") {
  static readonly layer = Layer.sync(LogThrottle, () => {
    const lastReported = new Map<string, number>()
    return LogThrottle.of({
      level: (subject, loud) =>
        Effect.map(Clock.currentTimeMillis, (now) => {
          const last = lastReported.get(subject)
          if (last !== undefined && now - last < THROTTLE_WINDOW_MS) return "Debug"
          lastReported.delete(subject)
          if (lastReported.size >= MAX_SUBJECTS) {
            const oldest = lastReported.keys().next()
            if (oldest.done !== true) lastReported.delete(oldest.value)
          }
          lastReported.set(subject, now)
          return loud
        })
    })
  })
}
