/**
 * Log output for the process: human-readable lines by default, JSON lines for log shippers.
 *
 * Text: `2026-11-21T10:00:00.000Z INFO  session ended client=203.0.113.7 server=survival`
 * — the message, then the fiber's log annotations as key=value pairs. Every entry is one line:
 * a message's later lines are folded into it (`first | second`), control characters escaped;
 * annotation values that are not plain words are JSON-quoted (LogText.ts). JSON lines need
 * neither: JSON escapes them. A failure cause is added (`cause="..."`, folded) only when the
 * log call carries one (expected disconnects are logged without).
 *
 * Inside a traced connection (telemetry on and the trace sampled) every line also carries
 * `trace_id` and `span_id` of the logging fiber's current span, so a log line leads to its
 * trace in Jaeger or Tempo. Unsampled or untraced work gets no ids: they would lead nowhere.
 */
import { Cause, Layer, Logger, LogLevel, References } from "effect"
import type { LogRing } from "./LogRing.ts"
import { escapeControls } from "./LogText.ts"

export type LogFormat = "text" | "json"

/** JSON.stringify escapes C0 controls; DEL, C1 and the bidi controls it leaves are escaped too. */
const quote = (value: string): string => (/^[\w.:/@\-[\]]+$/.test(value) ? value : escapeControls(JSON.stringify(value)))

/** What stands for a line break inside a text entry. */
export const FOLD = " | "

/**
 * One entry, one line: the message's lines (a config error lists one problem per line) are
 * folded into it with {@link FOLD}, their indentation dropped, and control characters escaped,
 * so journald, `grep` and log shippers see one entry per event with its timestamp and level,
 * and nothing inside a message (a host name with a newline that a call site forgot to pass
 * through `untrusted`) can ever start a line that looks like a log line of its own.
 */
export const foldLines = (text: string): string => {
  const [first = "", ...rest] = text.split(/\r?\n/)
  return [first.trimEnd(), ...rest.map((line) => line.trim()).filter((line) => line !== "")].join(FOLD)
}

const textMessage = (text: string): string => escapeControls(foldLines(text))

const render = (value: unknown): string =>
  typeof value === "string" ? value : typeof value === "number" || typeof value === "bigint" ? String(value) : JSON.stringify(value)

const annotationsOf = (fiber: Logger.Options<unknown>["fiber"]): Record<string, unknown> =>
  fiber.getRef(References.CurrentLogAnnotations)

/** The ids of the fiber's current span when it belongs to a sampled (exported) trace. */
export const traceOf = (
  fiber: Logger.Options<unknown>["fiber"]
): { readonly trace_id: string; readonly span_id: string } | undefined => {
  const span = fiber.cache.span
  return span !== undefined && span.sampled ? { trace_id: span.traceId, span_id: span.spanId } : undefined
}

export type Write = (line: string) => void

const stdout: Write = (line) => {
  process.stdout.write(line)
}

/** `fixed`: annotations every line of this logger carries (a worker thread's `worker=<n>`). */
export const makeTextLogger = (write: Write, fixed: Record<string, unknown> = {}) =>
  Logger.make<unknown, void>(({ cause, date, fiber, logLevel, message }) => {
    const messages = Array.isArray(message) ? message : [message]
    let line = `${date.toISOString()} ${logLevel.toUpperCase().padEnd(5)} ${textMessage(messages.map(render).join(" "))}`
    for (const [key, value] of Object.entries(annotationsOf(fiber))) line += ` ${key}=${quote(render(value))}`
    for (const [key, value] of Object.entries(fixed)) line += ` ${key}=${quote(render(value))}`
    const trace = traceOf(fiber)
    if (trace !== undefined) line += ` trace_id=${trace.trace_id} span_id=${trace.span_id}`
    // The cause (a stack trace) is folded into the entry too, as its last field.
    if (cause.reasons.length > 0) line += ` cause=${quote(foldLines(Cause.pretty(cause)))}`
    write(line + "\n")
  })

export const makeJsonLogger = (write: Write, fixed: Record<string, unknown> = {}) =>
  Logger.make<unknown, void>(({ cause, date, fiber, logLevel, message }) => {
    const messages = Array.isArray(message) ? message : [message]
    const entry: Record<string, unknown> = {
      time: date.toISOString(),
      level: logLevel.toLowerCase(),
      message: messages.map(render).join(" "),
      ...annotationsOf(fiber),
      ...fixed,
      ...traceOf(fiber)
    }
    if (cause.reasons.length > 0) entry["cause"] = Cause.pretty(cause)
    write(JSON.stringify(entry) + "\n")
  })

/** Replaces Effect's default logger and sets the minimum level. */
export const layer = (options: {
  readonly format: LogFormat
  readonly level: LogLevel.LogLevel
  /** Annotations on every line (a worker thread's `worker=<n>`). */
  readonly fixed?: Record<string, unknown> | undefined
  /** Keeps the lines for the admin API too (LogRing.ts). */
  readonly ring?: LogRing | undefined
}) =>
  Layer.mergeAll(
    Logger.layer([
      (options.format === "json" ? makeJsonLogger : makeTextLogger)(stdout, options.fixed),
      ...(options.ring === undefined ? [] : [options.ring.logger])
    ]),
    Layer.succeed(References.MinimumLogLevel, options.level)
  )

export const LOG_LEVELS: ReadonlyArray<LogLevel.LogLevel> = ["Trace", "Debug", "Info", "Warn", "Error", "Fatal", "None"]

/** "debug", "INFO", "warning" → the Effect level; undefined when unknown. */
export const parseLogLevel = (text: string): LogLevel.LogLevel | undefined => {
  const lower = text.trim().toLowerCase()
  const alias = lower === "warning" ? "warn" : lower === "off" ? "none" : lower
  return LOG_LEVELS.find((l) => l.toLowerCase() === alias)
}

/**
 * An environment value (`INFRARUST_LOG`, `RUST_LOG`): a level ("debug"), or `RUST_LOG`-style
 * directives ("warn,infrarust=debug") where a directive for an `infrarust…` target wins over
 * the bare level and other targets are ignored. Undefined when no level can be read.
 */
export const parseLogDirectives = (text: string): LogLevel.LogLevel | undefined => {
  let bare: LogLevel.LogLevel | undefined
  let ours: LogLevel.LogLevel | undefined
  for (const part of text.split(",")) {
    const directive = part.trim()
    const eq = directive.indexOf("=")
    if (eq < 0) bare = parseLogLevel(directive) ?? bare
    else if (directive.slice(0, eq).trim().startsWith("infrarust")) ours = parseLogLevel(directive.slice(eq + 1)) ?? ours
  }
  return ours ?? bare
}

/** The parts of a `RUST_LOG`-style value that are neither a level nor `target=level` (empty parts are fine). */
export const unreadableDirectives = (text: string): ReadonlyArray<string> =>
  text.split(",").map((part) => part.trim()).filter((directive) => {
    if (directive === "") return false
    const eq = directive.indexOf("=")
    return parseLogLevel(eq < 0 ? directive : directive.slice(eq + 1)) === undefined
  })
