/**
 * The error a config file produces when it cannot be used: which file, which key, what was
 * expected. It is what operators read most, so its `message` is complete on its own, one line per
 * problem: `servers/survival.toml: timeouts.connect: expected a duration like "5s", got "5 parsecs"`.
 *
 * A file can have several problems; all of them are kept (`problems`), and the first one is also
 * exposed as `path`/`reason`/`detail` so callers and tests can match on it directly.
 */
import { Schema } from "effect"

export const ConfigErrorReason = Schema.Literals([
  /** The file could not be read (missing, a directory, no permission). */
  "Unreadable",
  /** The text is not TOML; `line`/`column` say where. */
  "InvalidToml",
  /** A value has the wrong type or is out of range. */
  "InvalidValue",
  /** A key the schema does not know (Infrarust's `deny_unknown_fields`). */
  "UnknownKey",
  /** A required key is absent. */
  "MissingKey",
  /** Values that are fine alone but not together (e.g. a forwarding mode with a `network`). */
  "Invalid"
])
export type ConfigErrorReason = typeof ConfigErrorReason.Type

export const ConfigProblem = Schema.Struct({
  /** Key path as written in the file, e.g. `rate_limit.window` or `addresses[1]`; "" for the whole file. */
  path: Schema.String,
  reason: ConfigErrorReason,
  /** What is wrong, e.g. `expected a duration like "5s", got "5 parsecs"`. */
  detail: Schema.String,
  /** 1-based position, for TOML syntax errors. */
  line: Schema.optionalKey(Schema.Number),
  column: Schema.optionalKey(Schema.Number)
})
export type ConfigProblem = typeof ConfigProblem.Type

/** One problem as a line of text, prefixed with the file. */
export const formatProblem = (file: string, problem: ConfigProblem): string => {
  const at = problem.line !== undefined ? `line ${problem.line}, column ${problem.column ?? 1}: ` : ""
  const path = problem.path.length > 0 ? `${problem.path}: ` : ""
  return `${file}: ${at}${path}${problem.detail}`
}

export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  /** The file as the user named it (`infrarust.toml`, `servers/lobby.toml`). */
  file: Schema.String,
  /** The first problem's key path ("" when the problem is the whole file). */
  path: Schema.String,
  /** The first problem's kind. */
  reason: ConfigErrorReason,
  /** The first problem's explanation. */
  detail: Schema.String,
  /** Every problem found in the file, the first one included, in file order where known. */
  problems: Schema.Array(ConfigProblem)
}) {
  override get message(): string {
    return this.problems.map((problem) => formatProblem(this.file, problem)).join("\n")
  }
}

/** Builds the error for a file from its problems (at least one). */
export const configError = (
  file: string,
  problems: readonly [ConfigProblem, ...Array<ConfigProblem>]
): ConfigError => {
  const [first] = problems
  return new ConfigError({ file, path: first.path, reason: first.reason, detail: first.detail, problems })
}

/** A file-level error with a single problem. */
export const fileError = (file: string, reason: ConfigErrorReason, detail: string, path = ""): ConfigError =>
  configError(file, [{ path, reason, detail }])
