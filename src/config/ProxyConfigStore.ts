/**
 * The global configuration (`infrarust.toml`) as a live value.
 *
 * Loaded once when the layer is built: a missing or broken file fails the layer with its
 * {@link ConfigError}, so start-up stops with the file/key/expectation message. Afterwards the
 * file is watched (its directory, filtered by name, because editors save by writing a new file
 * and renaming it over the old one). A changed file is read once it has stayed the same for
 * `file_settle` (SettledRead.ts), so a file written in several steps is never taken half-way.
 * A valid edit is published; consumers decide which tables they apply live, and the log line
 * says which changed keys apply now and which wait for a restart (ReloadScope.ts). An edit that weakens a protection is
 * logged at WARN with what it loosens (SecurityChanges.ts). A broken edit is logged and the
 * last good config stays in place. Relative paths in the file are resolved against its directory
 * (ConfigPaths.ts) before anything sees them.
 */
import { Context, Effect, Equal, FileSystem, Layer, Option, Result, Semaphore, SubscriptionRef } from "effect"
import * as NodePath from "node:path"
import { fileError } from "./ConfigError.ts"
import { parseProxyConfig, readConfigText } from "./ConfigLoader.ts"
import { configDirectory, resolveConfigPaths } from "./ConfigPaths.ts"
import { watchDirectory } from "./FileWatch.ts"
import type { ProxyConfig } from "./ProxyConfig.ts"
import { describeReload, reloadScope } from "./ReloadScope.ts"
import { securityWeakenings } from "./SecurityChanges.ts"
import { settledParse } from "./SettledRead.ts"

/** Same debounce as the servers directory. */
const DEBOUNCE = "200 millis"

export interface ProxyConfigStoreShape {
  /** The config file, absolute (resolved against the working directory at start-up). */
  readonly path: string
  /** The current config; `changes` starts with it. */
  readonly config: SubscriptionRef.SubscriptionRef<ProxyConfig>
  /** Re-reads the file now; true when a new config was published. */
  readonly reload: Effect.Effect<boolean>
}

/** The file's text, None when it is missing (mid-rename); other read failures fail. */
const readOptional = (fs: FileSystem.FileSystem, path: string) =>
  fs.readFileString(path).pipe(
    Effect.map(Option.some),
    Effect.catch((e) =>
      e.reason._tag === "NotFound" ? Effect.succeedNone : Effect.fail(fileError(path, "Unreadable", `cannot read the file: ${e.message}`)))
  )

/** Command-line settings that win over the file's, at start-up and after every reload. */
export interface ConfigOverrides {
  /** `--plugins-dir`, relative to the working directory (a command-line path). */
  readonly pluginsDir?: string | undefined
}

/** Parses the file's text, with its relative paths resolved against the file's directory (ConfigPaths.ts). */
const parseAt = (path: string, overrides: ConfigOverrides) => {
  const base = configDirectory(path)
  const pluginsDir = overrides.pluginsDir === undefined ? undefined : NodePath.resolve(overrides.pluginsDir)
  return (text: string) =>
    Result.map(parseProxyConfig(text, path), (parsed) => {
      const config = resolveConfigPaths(parsed.config, base)
      return { ...parsed, config: pluginsDir === undefined ? config : { ...config, pluginsDir } }
    })
}

const make = Effect.fnUntraced(function*(given: string, overrides: ConfigOverrides) {
  const fs = yield* FileSystem.FileSystem
  // Absolute from here on: the logs name the file wherever the proxy was started from.
  const path = NodePath.resolve(given)
  const parse = parseAt(path, overrides)
  let lastText = yield* readConfigText(path)
  const first = yield* Effect.fromResult(parse(lastText))
  yield* Effect.logInfo(`configuration loaded from ${path}`)
  for (const warning of first.warnings) yield* Effect.logWarning(warning)
  const config = yield* SubscriptionRef.make(first.config)

  const lock = yield* Semaphore.make(1)
  const reload = Semaphore.withPermit(lock)(Effect.gen(function*() {
    const read = readOptional(fs, path)
    const now = yield* Effect.result(read)
    if (Result.isFailure(now)) {
      yield* Effect.logWarning(`${now.failure.message}\n(keeping the previous configuration)`)
      return false
    }
    // Unchanged: nothing to wait for (the start-up check and our own rename events land here).
    if (Option.isSome(now.success) && now.success.value === lastText) return false
    const current = yield* SubscriptionRef.get(config)
    const settled = yield* Effect.result(settledParse(read, parse, current.fileSettle, now.success))
    if (Result.isFailure(settled)) {
      yield* Effect.logWarning(`${settled.failure.message}\n(keeping the previous configuration)`)
      return false
    }
    if (Option.isNone(settled.success)) {
      // Mid-rename the file can be briefly absent; the rename's own event brings us back.
      yield* Effect.logWarning(`${path}: the file is gone\n(keeping the previous configuration)`)
      return false
    }
    const { parsed, text } = settled.success.value
    if (text === lastText) return false
    lastText = text
    if (Result.isFailure(parsed)) {
      yield* Effect.logWarning(`${parsed.failure.message}\n(keeping the previous configuration)`)
      return false
    }
    for (const warning of parsed.success.warnings) yield* Effect.logWarning(warning)
    if (Equal.equals(current, parsed.success.config)) return false
    const weaker = securityWeakenings(current, parsed.success.config)
    if (weaker.length > 0) yield* Effect.logWarning(`${path}: this edit weakens security: ${weaker.join("; ")}`)
    const scope = reloadScope(current, parsed.success.config)
    // A setting read only at start-up is not "reloaded": the line says it waits for a restart.
    yield* (scope.restart.length > 0 ? Effect.logWarning : Effect.logInfo)(describeReload(path, scope))
    yield* SubscriptionRef.set(config, parsed.success.config)
    return true
  })).pipe(Effect.provideService(FileSystem.FileSystem, fs))

  yield* watchDirectory(fs, NodePath.dirname(path), {
    fileName: NodePath.basename(path),
    debounce: DEBOUNCE,
    onChange: reload,
    what: `${path}: watching for changes`,
    log: Effect.logError
  }, Effect.forkScoped)
  // An edit made between the first read and the watcher start is not lost.
  yield* reload

  return ProxyConfigStore.of({ path, config, reload })
})

export class ProxyConfigStore extends Context.Service<ProxyConfigStore, ProxyConfigStoreShape>()(
  "infrarust/config/ProxyConfigStore"
) {
  /** Loads `path` (fails with its `ConfigError`) and watches it; `overrides` win over the file. */
  static readonly layer = (path: string, overrides: ConfigOverrides = {}) => Layer.effect(ProxyConfigStore, make(path, overrides))
}
