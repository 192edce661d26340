/**
 * Log annotations for the rest of the current fiber: what a connection's lines carry (client,
 * server, player) once the connection knows it.
 *
 * `Effect.annotateLogsScoped` registers a finalizer that restores the previous annotations when
 * the scope closes, and copies the fiber's context to do it: per annotation, per connection.
 * A connection's fiber ends with its scope, so there is nothing to restore: here the annotations
 * are set once, in one step, and go with the fiber.
 */
import { Context, Effect, type Fiber, LogLevel, References } from "effect"

export const annotateFiberLogs = (values: Readonly<Record<string, unknown>>): Effect.Effect<void> =>
  Effect.withFiberSucceed((fiber) => {
    const next = { ...fiber.getRef(References.CurrentLogAnnotations), ...values }
    fiber.setContext(Context.add(fiber.context, References.CurrentLogAnnotations, next))
  })

/**
 * Whether a line at `level` would be written by this fiber: a per-session line whose text costs
 * something to build (numbers formatted, several fields) is built only then.
 */
export const logsAt = (fiber: Fiber.Fiber<unknown, unknown>, level: LogLevel.LogLevel): boolean =>
  !LogLevel.isGreaterThan(fiber.getRef(References.MinimumLogLevel), level)
