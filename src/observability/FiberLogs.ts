/**
 * Log annotations for the rest of the current fiber: what a connection's lines carry (client,
 * server, player) once the connection knows it.
 *
 * `Effect.annotateLogsScoped` registers a finalizer that restores the previous annotations when
 * the scope closes, and copies the fiber's context to do it: per annotation, per connection.
 * A connection's fiber ends with its scope, so there is nothing to restore: here the annotations
 * are set once, in one step, and go with the fiber.
 */
import { Context, Effect, References } from "effect"

export const annotateFiberLogs = (values: Readonly<Record<string, unknown>>): Effect.Effect<void> =>
  Effect.withFiberSucceed((fiber) => {
    const next = { ...fiber.getRef(References.CurrentLogAnnotations), ...values }
    fiber.setContext(Context.add(fiber.context, References.CurrentLogAnnotations, next))
  })
