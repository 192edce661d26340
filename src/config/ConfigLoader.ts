/**
 * Reads and decodes config files: TOML text → Schema → cross-key validation, with every mistake
 * reported as a {@link ConfigError} naming the file, the key and what was expected.
 *
 * The pure `parse*` functions take the text and the file's display name (tests use them
 * directly); the `load*` Effects read the file through the platform `FileSystem` first.
 * Warnings (valid but suspicious settings) come back next to the config, already formatted as
 * `file: key: message`, for the caller to log.
 */
import { Effect, FileSystem, Predicate, Result, Schema } from "effect"
import type { PlatformError } from "effect/PlatformError"
import * as NodePath from "node:path"
import { parse as parseTomlText, TomlError } from "smol-toml"
import { ConfigError, configError, fileError } from "./ConfigError.ts"
import { permissionsKeys } from "./GlobalTables.ts"
import { issueProblems } from "./IssueFormatter.ts"
import { ProxyConfig } from "./ProxyConfig.ts"
import { ServerConfig, serverId, validateServer } from "./ServerConfig.ts"

/** Every problem at once, and no key the schema does not know (Infrarust's `deny_unknown_fields`). */
const decodeOptions = { errors: "all", onExcessProperty: "error", reportInput: true } as const

export interface ParsedProxyConfig {
  readonly config: ProxyConfig
  readonly warnings: ReadonlyArray<string>
}

/** A server file that loaded: its id, where it came from, and what it says. */
export interface LoadedServer {
  /** `name`, else `id`, else the file name without `.toml` (Infrarust's `effective_id`). */
  readonly id: string
  /** The file name, e.g. `survival.toml`. */
  readonly file: string
  /** The path it was read from, as built from `servers_dir` (relative paths stay relative). */
  readonly path: string
  readonly config: ServerConfig
}

export interface ParsedServerConfig {
  readonly id: string
  readonly config: ServerConfig
  readonly warnings: ReadonlyArray<string>
}

/** The first line of a smol-toml message, without its "Invalid TOML document: " prefix. */
const tomlMessage = (error: TomlError): string =>
  (error.message.split("\n")[0] ?? error.message).replace(/^Invalid TOML document: /, "")

const tomlError = (file: string) => (error: unknown): ConfigError =>
  error instanceof TomlError
    ? configError(file, [{
      path: "",
      reason: "InvalidToml",
      detail: `invalid TOML: ${tomlMessage(error)}`,
      line: error.line,
      column: error.column
    }])
    : fileError(file, "InvalidToml", `invalid TOML: ${String(error)}`)

/** Parses TOML text into a plain table. */
export const parseToml = (text: string, file: string): Result.Result<Record<string, unknown>, ConfigError> =>
  Result.try({
    // `throw` on `__proto__`/`constructor` keys: they could never be valid config keys anyway.
    try: (): Record<string, unknown> => parseTomlText(text, { unsafeKeyBehaviour: "throw" }),
    catch: tomlError(file)
  })

const decode = <S extends Schema.ConstraintDecoder<unknown>>(schema: S, raw: unknown, file: string) =>
  Result.mapError(Schema.decodeUnknownResult(schema)(raw, decodeOptions), (error) => {
    const problems = issueProblems(error.issue)
    const [first, ...rest] = problems
    return first !== undefined ? configError(file, [first, ...rest]) : fileError(file, "InvalidValue", "invalid value")
  })

/** Decodes the global `infrarust.toml` from its text. */
export const parseProxyConfig = (text: string, file: string): Result.Result<ParsedProxyConfig, ConfigError> =>
  Result.flatMap(parseToml(text, file), (raw) =>
    Result.map(decode(ProxyConfig, raw, file), (config) => {
      const warnings: Array<string> = []
      const permissions = raw["permissions"]
      if (Predicate.isObject(permissions)) {
        for (const key of Object.keys(permissions)) {
          if (!permissionsKeys.includes(key)) {
            warnings.push(`${file}: permissions.${key}: unknown key, ignored`)
          }
        }
      }
      return { config, warnings }
    }))

/** Decodes one server file from its text; `fileStem` is the id when the file sets neither `name` nor `id`. */
export const parseServerConfig = (
  text: string,
  file: string,
  fileStem: string,
  platform: string = process.platform
): Result.Result<ParsedServerConfig, ConfigError> =>
  Result.flatMap(parseToml(text, file), (raw) => parseServerTable(raw, file, fileStem, platform))

/**
 * Decodes one server from a table already parsed (snake_case keys, as in a server file): the
 * same schema and cross-key rules as a file, for servers that come from elsewhere (servers.json).
 */
export const parseServerTable = (
  raw: unknown,
  file: string,
  fileStem: string,
  platform: string = process.platform
): Result.Result<ParsedServerConfig, ConfigError> =>
  Result.flatMap(decode(ServerConfig, raw, file), (config) => {
    const { problems, warnings } = validateServer(config, platform)
    const [first, ...rest] = problems
    if (first !== undefined) return Result.fail(configError(file, [first, ...rest]))
    return Result.succeed({
      id: serverId(config, fileStem),
      config,
      warnings: warnings.map((w) => `${file}: ${w.path}: ${w.message}`)
    })
  })

const unreadable = (file: string) => (error: PlatformError): ConfigError => {
  const reason = error.reason
  const detail = reason._tag === "NotFound"
    ? `file not found (looked for ${NodePath.resolve(file)})`
    : reason._tag === "PermissionDenied"
    ? "permission denied"
    : `cannot read the file: ${error.message}`
  return fileError(file, "Unreadable", detail)
}

/** Reads a text file, mapping every platform failure to an `Unreadable` config error. */
export const readConfigText = Effect.fnUntraced(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  return yield* fs.readFileString(path).pipe(Effect.mapError(unreadable(path)))
})

/** Reads and decodes the global config file. A missing file is an error (no first-run wizard). */
export const loadProxyConfig = Effect.fn("ConfigLoader.loadProxyConfig")(function*(path: string) {
  const text = yield* readConfigText(path)
  return yield* Effect.fromResult(parseProxyConfig(text, path))
})

/** The file name without its `.toml` extension. */
export const fileStem = (path: string): string => NodePath.basename(path, ".toml")

/** The server a file at `path` declares, once parsed. */
export const loadedServer = (parsed: ParsedServerConfig, path: string): LoadedServer => ({
  id: parsed.id,
  file: NodePath.basename(path),
  path,
  config: parsed.config
})

/** Reads and decodes one server file. */
export const loadServerFile = Effect.fn("ConfigLoader.loadServerFile")(function*(path: string) {
  const text = yield* readConfigText(path)
  const parsed = yield* Effect.fromResult(parseServerConfig(text, path, fileStem(path)))
  return { server: loadedServer(parsed, path), warnings: parsed.warnings }
})
