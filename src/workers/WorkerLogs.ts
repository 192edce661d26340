/**
 * How worker threads log.
 *
 * - `Stdout` (the `infrarust-ts` command): each worker writes its own lines in the process's
 *   format and level, with a `worker=<n>` annotation (Node forwards a worker's stdout to the
 *   process's).
 * - `Forward` (the proxy embedded in another program, e.g. the tests): each line is sent to the
 *   coordinator, which logs it through its own logger with the worker's annotations, so the
 *   embedding program sees every line in one place.
 *
 * Either way a worker says only what concerns its connections: start-up lines (servers loaded,
 * listening) come once, from the coordinator.
 */
import { Cause, Effect, Layer, Logger, type LogLevel, References } from "effect"
import * as Logging from "../observability/Logging.ts"
import { castOver, type PortLike } from "./Link.ts"
import type { WireLog, WorkerLogs } from "./Ops.ts"

const render = (value: unknown): string => (typeof value === "string" ? value : JSON.stringify(value) ?? String(value))

/**
 * The logger and minimum level of worker `index`. The `worker` annotation belongs to the
 * logger, not to the fibers: the connection pipeline provides the context it was built in to
 * its login stage, and fiber annotations captured there would replace the connection's own.
 */
export const workerLogging = (logs: WorkerLogs, port: PortLike, index: number): Layer.Layer<never> => {
  const fixed = { worker: index }
  if (logs._tag === "Stdout") return Logging.layer({ format: logs.format, level: logs.level, fixed })
  const forward = Logger.make<unknown, void>(({ cause, fiber, logLevel, message }) => {
    const parts = Array.isArray(message) ? message : [message]
    const annotations: Record<string, unknown> = { ...fiber.getRef(References.CurrentLogAnnotations), ...fixed }
    const trace = Logging.traceOf(fiber)
    if (trace !== undefined) Object.assign(annotations, trace)
    const entry: WireLog = {
      // A line is never logged at "All" or "None".
      level: logLevel as LogLevel.Severity,
      message: parts.map(render),
      annotations,
      cause: cause.reasons.length > 0 ? Cause.pretty(cause) : undefined
    }
    // Batched with the worker's other messages (Link.ts): one postMessage per turn, not per line.
    castOver(port, "log", entry)
  })
  return Layer.mergeAll(Logger.layer([forward]), Layer.succeed(References.MinimumLogLevel, logs.level))
}

/** A forwarded line, logged by the coordinator's logger. */
export const relog = (entry: WireLog): Effect.Effect<void> =>
  Effect.logWithLevel(entry.level)(...entry.message, ...(entry.cause === undefined ? [] : [`\n${entry.cause}`])).pipe(
    Effect.annotateLogs(entry.annotations)
  )
