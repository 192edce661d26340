/**
 * Log annotations for the rest of the current fiber: what a connection's lines carry (client,
 * server, player) once the connection knows it.
 *
 * `Effect.annotateLogsScoped` registers a finalizer that restores the previous annotations when
 * the scope closes, and copies the fiber's context to do it: per annotation, per connection.
 * A connection's fiber ends with its scope, so there is nothing to restore: here the annotations
 * are set once, in one step, and go with the fiber.
 *
 * A connection annotates three times (client, server, player). The first call gives the fiber an
 * annotations object of its own; the later ones add to that object instead of adding a context
 * entry each, which would keep every earlier entry and object alive for the whole session.
 * Loggers copy the annotations when they write a line (Logging.ts, LogRing.ts, Effect's own), so
 * a line already written keeps what it had.
 */
import { Context, Effect, type Fiber, LogLevel, References } from "effect"

/** The id of the fiber whose own annotations object this is (not enumerable: never copied or written). */
const OWNER = Symbol("infrarust.logAnnotationsOwner")
type Annotations = Record<string, unknown> & { [OWNER]?: number }

export const annotateFiberLogs = (values: Readonly<Record<string, unknown>>): Effect.Effect<void> =>
  Effect.withFiberSucceed((fiber) => {
    const current = fiber.getRef(References.CurrentLogAnnotations) as Annotations
    if (current[OWNER] === fiber.id) {
      Object.assign(current, values)
      return
    }
    const next: Annotations = { ...current, ...values }
    Object.defineProperty(next, OWNER, { value: fiber.id })
    fiber.setContext(Context.add(fiber.context, References.CurrentLogAnnotations, next))
  })

/**
 * Whether a line at `level` would be written by this fiber: a per-session line whose text costs
 * something to build (numbers formatted, several fields) is built only then.
 */
export const logsAt = (fiber: Fiber.Fiber<unknown, unknown>, level: LogLevel.LogLevel): boolean =>
  !LogLevel.isGreaterThan(fiber.getRef(References.MinimumLogLevel), level)
