/**
 * Loggers that keep every line, so tests can assert on what an operator would read.
 */
import { Logger, References } from "effect"

export interface LogLine {
  readonly level: string
  readonly message: string
}

export interface CaptureOptions {
  /** Append the fiber's log annotations to each message as ` key=value` (as the proxy's own format shows them). */
  readonly annotations?: boolean
}

/** A logger that appends every line to `lines`. */
export const capturingLogger = (lines: Array<LogLine>, options: CaptureOptions = {}) =>
  Logger.make<unknown, void>(({ logLevel, message, fiber }) => {
    const parts = Array.isArray(message) ? message : [message]
    const suffix = options.annotations === true
      ? Object.entries(fiber.getRef(References.CurrentLogAnnotations)).map(([k, v]) => ` ${k}=${String(v)}`).join("")
      : ""
    lines.push({ level: logLevel, message: parts.map(String).join(" ") + suffix })
  })

/** A logger that keeps every line, and the layer that installs it. */
export const captureLogs = (options: CaptureOptions = {}) => {
  const lines: Array<LogLine> = []
  return { lines, layer: Logger.layer([capturingLogger(lines, options)]) }
}
