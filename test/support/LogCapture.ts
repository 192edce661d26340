/**
 * Loggers that keep every line, so tests can assert on what an operator would read.
 */
import { Logger, References } from "effect"

export interface LogLine {
  readonly level: string
  readonly message: string
  /** The fiber's log annotations (e.g. `plugin`, `player`, `worker`), when captured with `annotations`. */
  readonly annotations?: Readonly<Record<string, unknown>>
}

export interface CaptureOptions {
  /** Append the fiber's log annotations to each message as ` key=value` (as the proxy's own format shows them). */
  readonly annotations?: boolean
}

/** A logger that appends every line to `lines`. */
export const capturingLogger = (lines: Array<LogLine>, options: CaptureOptions = {}) =>
  Logger.make<unknown, void>(({ logLevel, message, fiber }) => {
    const parts = Array.isArray(message) ? message : [message]
    const annotations = options.annotations === true ? fiber.getRef(References.CurrentLogAnnotations) : undefined
    const suffix = annotations === undefined ? "" : Object.entries(annotations).map(([k, v]) => ` ${k}=${String(v)}`).join("")
    const text = parts.map(String).join(" ") + suffix
    // A copy, as the proxy's loggers take: a connection adds to its annotations in place (FiberLogs.ts).
    lines.push(annotations === undefined ? { level: logLevel, message: text } : { level: logLevel, message: text, annotations: { ...annotations } })
  })

/** A logger that keeps every line, and the layer that installs it. */
export const captureLogs = (options: CaptureOptions = {}) => {
  const lines: Array<LogLine> = []
  return { lines, layer: Logger.layer([capturingLogger(lines, options)]) }
}
