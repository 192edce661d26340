/**
 * Command-line arguments, compatible with Infrarust's:
 * `infrarust-ts [-c|--config PATH] [-b|--bind ADDR] [-l|--log-level LEVEL] [--plugins-dir PATH]
 * [--log-format text|json] [--version] [--help]`.
 * The log level can also come from `INFRARUST_LOG` (or `RUST_LOG`, for Infrarust users);
 * the command line wins. A level that cannot be read is not fatal (a typo in an environment
 * variable must not keep a service down): the proxy logs at `info` and says so with a warning
 * that names the valid values.
 */
import type { LogLevel } from "effect"
import { parseArgs } from "node:util"
import { type LogFormat, parseLogDirectives, parseLogLevel, unreadableDirectives } from "../observability/Logging.ts"

export interface CliOptions {
  readonly config: string
  readonly bind?: string | undefined
  readonly logLevel: LogLevel.LogLevel
  readonly logFormat: LogFormat
  /** `--plugins-dir`, as given (relative to the working directory); overrides `plugins_dir`. */
  readonly pluginsDir?: string | undefined
  /** What to log at WARN once the logger runs (e.g. an unreadable log level). */
  readonly warnings: ReadonlyArray<string>
}

export type CliCommand =
  | { readonly _tag: "Run"; readonly options: CliOptions }
  | { readonly _tag: "Help" }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Invalid"; readonly message: string }

export const USAGE = `Usage: infrarust-ts [options]

A reverse proxy for Minecraft Java Edition, compatible with Infrarust's configuration.

Options:
  -c, --config <PATH>       global config file (default: infrarust.toml)
  -b, --bind <ADDR>         listen address, overrides 'bind' (e.g. 0.0.0.0:25565)
  -l, --log-level <LEVEL>   trace, debug, info, warn, error (default: info;
                            environment: INFRARUST_LOG or RUST_LOG)
      --plugins-dir <PATH>  plugins directory, overrides 'plugins_dir'
      --log-format <FMT>    text (default) or json (one JSON object per line)
  -V, --version             print the version
  -h, --help                print this help
`

export const parseCli = (argv: ReadonlyArray<string>, env: Record<string, string | undefined>): CliCommand => {
  let parsed
  // parseArgs reports unknown options by throwing; this is plain code, not an Effect.
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string", short: "c" },
        bind: { type: "string", short: "b" },
        "log-level": { type: "string", short: "l" },
        "log-format": { type: "string" },
        "plugins-dir": { type: "string" },
        version: { type: "boolean", short: "V" },
        help: { type: "boolean", short: "h" }
      },
      strict: true,
      allowPositionals: false
    })
  } catch (error) {
    return { _tag: "Invalid", message: (error as Error).message }
  }
  const v = parsed.values
  if (v.help) return { _tag: "Help" }
  if (v.version) return { _tag: "Version" }
  const source = v["log-level"] !== undefined
    ? "--log-level"
    : env["INFRARUST_LOG"] !== undefined
    ? "INFRARUST_LOG"
    : env["RUST_LOG"] !== undefined
    ? "RUST_LOG"
    : undefined
  const levelText = v["log-level"] ?? env["INFRARUST_LOG"] ?? env["RUST_LOG"] ?? "info"
  // The environment may hold RUST_LOG-style directives ("warn,infrarust=debug"); the flag is one level.
  const parsedLevel = v["log-level"] !== undefined ? parseLogLevel(levelText) : parseLogDirectives(levelText)
  const warnings: Array<string> = []
  // "hyper=debug" sets no level of ours and is fine (info); "bogus" or "infrarust=loud" is a mistake.
  const unreadable = v["log-level"] !== undefined ? parsedLevel === undefined : unreadableDirectives(levelText).length > 0
  if (unreadable) {
    warnings.push(
      `${source}=${JSON.stringify(levelText)} is not a log level; logging at info (valid: trace, debug, info, warn, error, off` +
        (source === "--log-level" ? ")" : `, or RUST_LOG directives such as "warn,infrarust=debug")`)
    )
  }
  const logLevel = parsedLevel ?? "Info"
  const logFormat = v["log-format"] ?? "text"
  if (logFormat !== "text" && logFormat !== "json") {
    return { _tag: "Invalid", message: `unknown log format "${logFormat}" (use text or json)` }
  }
  return {
    _tag: "Run",
    options: { config: v.config ?? "infrarust.toml", bind: v.bind, logLevel, logFormat, pluginsDir: v["plugins-dir"], warnings }
  }
}
