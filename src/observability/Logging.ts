/**
 * Log output for the process: human-readable lines by default, JSON lines for log shippers.
 *
 * Text: `2026-11-21T10:00:00.000Z INFO  session ended client=203.0.113.7 server=survival`
 * — the message, then the fiber's log annotations as key=value pairs. A failure cause is
 * printed only when the log call carries one (expected disconnects are logged without).
 */
import { Cause, Layer, Logger, LogLevel, References } from "effect"

export type LogFormat = "text" | "json"

const quote = (value: string): string => (/^[\w.:/@\-[\]]+$/.test(value) ? value : JSON.stringify(value))

const render = (value: unknown): string =>
  typeof value === "string" ? value : typeof value === "number" || typeof value === "bigint" ? String(value) : JSON.stringify(value)

const annotationsOf = (fiber: Logger.Options<unknown>["fiber"]): Record<string, unknown> =>
  fiber.getRef(References.CurrentLogAnnotations)

const textLogger = Logger.make<unknown, void>(({ cause, date, fiber, logLevel, message }) => {
  const messages = Array.isArray(message) ? message : [message]
  let line = `${date.toISOString()} ${logLevel.toUpperCase().padEnd(5)} ${messages.map(render).join(" ")}`
  for (const [key, value] of Object.entries(annotationsOf(fiber))) line += ` ${key}=${quote(render(value))}`
  if (cause.reasons.length > 0) line += `\n${Cause.pretty(cause)}`
  process.stdout.write(line + "\n")
})

const jsonLogger = Logger.make<unknown, void>(({ cause, date, fiber, logLevel, message }) => {
  const messages = Array.isArray(message) ? message : [message]
  const entry: Record<string, unknown> = {
    time: date.toISOString(),
    level: logLevel.toLowerCase(),
    message: messages.map(render).join(" "),
    ...annotationsOf(fiber)
  }
  if (cause.reasons.length > 0) entry["cause"] = Cause.pretty(cause)
  process.stdout.write(JSON.stringify(entry) + "\n")
})

/** Replaces Effect's default logger and sets the minimum level. */
export const layer = (options: { readonly format: LogFormat; readonly level: LogLevel.LogLevel }) =>
  Layer.mergeAll(
    Logger.layer([options.format === "json" ? jsonLogger : textLogger]),
    Layer.succeed(References.MinimumLogLevel, options.level)
  )

export const LOG_LEVELS: ReadonlyArray<LogLevel.LogLevel> = ["Trace", "Debug", "Info", "Warn", "Error", "Fatal", "None"]

/** "debug", "INFO", "warning" → the Effect level; undefined when unknown. */
export const parseLogLevel = (text: string): LogLevel.LogLevel | undefined => {
  const lower = text.trim().toLowerCase()
  const alias = lower === "warning" ? "warn" : lower === "off" ? "none" : lower
  return LOG_LEVELS.find((l) => l.toLowerCase() === alias)
}
