/**
 * The global configuration (`infrarust.toml`) as a live value.
 *
 * Loaded once when the layer is built: a missing or broken file fails the layer with its
 * {@link ConfigError}, so start-up stops with the file/key/expectation message. Afterwards the
 * file is watched (its directory, filtered by name, because editors save by writing a new file
 * and renaming it over the old one). A valid edit is published; consumers decide which tables
 * they apply live (`[rate_limit]`, `[ip_filter]`, `[ban]` do; `bind` needs a restart). A broken
 * edit is logged and the last good config stays in place.
 */
import { Context, Effect, Equal, FileSystem, Layer, Result, Semaphore, SubscriptionRef } from "effect"
import * as NodePath from "node:path"
import { parseProxyConfig, readConfigText } from "./ConfigLoader.ts"
import { watchDirectory } from "./FileWatch.ts"
import type { ProxyConfig } from "./ProxyConfig.ts"

/** Same debounce as the servers directory. */
const DEBOUNCE = "200 millis"

export interface ProxyConfigStoreShape {
  /** The config file as named on the command line. */
  readonly path: string
  /** The current config; `changes` starts with it. */
  readonly config: SubscriptionRef.SubscriptionRef<ProxyConfig>
  /** Re-reads the file now; true when a new config was published. */
  readonly reload: Effect.Effect<boolean>
}

const make = Effect.fnUntraced(function*(path: string) {
  const fs = yield* FileSystem.FileSystem
  let lastText = yield* readConfigText(path)
  const first = yield* Effect.fromResult(parseProxyConfig(lastText, path))
  for (const warning of first.warnings) yield* Effect.logWarning(warning)
  const config = yield* SubscriptionRef.make(first.config)

  const lock = yield* Semaphore.make(1)
  const reload = Semaphore.withPermit(lock)(Effect.gen(function*() {
    const read = yield* Effect.result(readConfigText(path))
    if (Result.isFailure(read)) {
      // Mid-rename the file can be briefly absent; the rename's own event brings us back.
      yield* Effect.logWarning(`${read.failure.message}\n(keeping the previous configuration)`)
      return false
    }
    if (read.success === lastText) return false
    lastText = read.success
    const parsed = parseProxyConfig(read.success, path)
    if (Result.isFailure(parsed)) {
      yield* Effect.logWarning(`${parsed.failure.message}\n(keeping the previous configuration)`)
      return false
    }
    for (const warning of parsed.success.warnings) yield* Effect.logWarning(warning)
    const current = yield* SubscriptionRef.get(config)
    if (Equal.equals(current, parsed.success.config)) return false
    yield* Effect.logInfo(`${path}: configuration reloaded`)
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
  /** Loads `path` (fails with its `ConfigError`) and watches it. */
  static readonly layer = (path: string) => Layer.effect(ProxyConfigStore, make(path))
}
