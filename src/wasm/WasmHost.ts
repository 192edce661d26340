/**
 * Loads WebAssembly plugins and keeps them in step with the disk and the configuration.
 *
 * A WASM plugin is any `*.wasm` file in `plugins_dir` (its id is the file name without `.wasm`,
 * its settings the `[plugins.<id>]` table if there is one) or a `[plugins.<id>] path` ending in
 * `.wasm`. Each runs in its own sandbox (WasmSandbox.ts) and listens, through the event bus, to
 * the events its `init` named; each listener runs the component and maps its answer back.
 *
 * Changes take effect without a restart: `plugins_dir` is watched and `infrarust.toml` reloads
 * are followed. A new file loads; a removed one unloads (its listeners go, its worker stops); a
 * replaced one (other bytes) or changed settings load the new version first and drop the old one
 * only if the new one loads, so a half-copied or broken file never takes a working plugin away.
 * A refused version is logged once, with the reason, until its bytes or settings change again.
 */
import { Cause, Context, Duration, Effect, Exit, FileSystem, Layer, Schema, Scope, Semaphore, Stream, SubscriptionRef } from "effect"
import { createHash } from "node:crypto"
import * as NodePath from "node:path"
import { watchDirectory } from "../config/FileWatch.ts"
import { PluginConfig } from "../config/GlobalTables.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { EventBus, type Listener } from "../event/EventBus.ts"
import type { Description } from "./ComponentCheck.ts"
import { type Sandbox, startSandbox, WasmPluginRefused } from "./WasmSandbox.ts"
import type { WasmEventTag } from "./WitValues.ts"

export interface WasmPluginInfo {
  readonly id: string
  /** The file, absolute. */
  readonly path: string
  /** What its `init` asked for, as of its last start. */
  readonly events: ReadonlyArray<WasmEventTag>
}

export class WasmHost extends Context.Service<WasmHost, {
  /**
   * Loads every WASM plugin now and follows changes from then on. `reserved` are the ids of the
   * Layer plugins (a WASM plugin may not take one: they would share a data directory).
   */
  readonly start: (reserved: ReadonlySet<string>) => Effect.Effect<void>
  /** The WASM plugins running now, by id. */
  readonly loaded: Effect.Effect<ReadonlyArray<WasmPluginInfo>>
}>()("infrarust/wasm/WasmHost") {
  static readonly layer = Layer.effect(WasmHost, Effect.suspend(() => make))
}

const ID = /^[A-Za-z0-9_-]{1,64}$/
/** Saves come in several events (create, write, rename): one reload after they settle. */
const DEBOUNCE = Duration.millis(200)

/** A plugin the disk and the configuration ask for. */
interface Wanted {
  readonly id: string
  readonly path: string
  readonly entry: PluginConfig
}

interface Running {
  /** What was loaded: the file's hash and the settings (a change of either reloads it). */
  readonly key: string
  readonly scope: Scope.Closeable
  readonly info: { path: string; events: ReadonlyArray<WasmEventTag> }
}

const make = Effect.gen(function*() {
  const store = yield* ProxyConfigStore
  const bus = yield* EventBus
  const fs = yield* FileSystem.FileSystem
  const hostScope = yield* Effect.scope
  const defaults = yield* Schema.decodeUnknownEffect(PluginConfig)({}).pipe(Effect.orDie)
  const running = new Map<string, Running>()
  const refused = new Map<string, string>()
  const lock = yield* Semaphore.make(1)
  let reserved: ReadonlySet<string> = new Set()
  let world: Description | undefined

  /** Every WASM plugin the configuration and plugins_dir name now, with problems logged. */
  const wanted = (config: ProxyConfig) =>
    Effect.gen(function*() {
      const out = new Map<string, Wanted>()
      for (const [id, entry] of Object.entries(config.plugins)) {
        if (entry.path === undefined || !entry.path.endsWith(".wasm") || !entry.enabled) continue
        if (!ID.test(id)) {
          yield* Effect.logError(`[plugins.${id}]: a WASM plugin's id must be 1-64 letters, digits, '_' or '-': not loaded`)
          continue
        }
        out.set(id, { id, path: NodePath.resolve(entry.path), entry })
      }
      const files = yield* fs.readDirectory(config.pluginsDir).pipe(Effect.orElseSucceed(() => [] as ReadonlyArray<string>))
      for (const file of files.filter((f) => f.endsWith(".wasm")).sort()) {
        const id = file.slice(0, -".wasm".length)
        const path = NodePath.resolve(config.pluginsDir, file)
        const entry = config.plugins[id]
        if ([...out.values()].some((w) => w.path === path) || entry?.enabled === false) continue
        if (!ID.test(id)) {
          yield* Effect.logError(`${path}: a WASM plugin's file name must be its id (1-64 letters, digits, '_' or '-') and .wasm: not loaded`)
          continue
        }
        if (entry?.path !== undefined || out.has(id)) {
          yield* Effect.logWarning(`${path} is not loaded: [plugins.${id}] names another file (${entry?.path ?? out.get(id)?.path})`)
          continue
        }
        out.set(id, { id, path, entry: entry ?? defaults })
      }
      return out
    })

  const settingsOf = (w: Wanted) =>
    JSON.stringify([w.path, w.entry.maxMemory, Duration.toMillis(w.entry.maxCallTime), Duration.toMillis(w.entry.listenerTimeout), w.entry.config])

  /** Registers the plugin's listeners for `tags` in a scope of their own (replaced on a restart that asks for others). */
  const listenerSet = (w: Wanted, scope: Scope.Scope, sandbox: () => Sandbox | undefined) => {
    let current: { readonly tags: string; readonly scope: Scope.Closeable } | undefined
    return (tags: ReadonlyArray<WasmEventTag>) =>
      Effect.gen(function*() {
        if (current?.tags === tags.join()) return
        if (current !== undefined) yield* Scope.close(current.scope, Exit.void)
        const listeners = yield* Scope.fork(scope)
        current = { tags: tags.join(), scope: listeners }
        for (const tag of tags) {
          // The sandbox maps the component's answer to this event's result type (WitValues.ts).
          const listener = ((event, result) => sandbox()?.call(event, result) ?? Effect.void) as Listener<WasmEventTag>
          yield* Scope.provide(listeners)(bus.listen(tag, listener, { owner: w.id, timeout: w.entry.listenerTimeout }))
        }
      })
  }

  const load = (w: Wanted, previous: Running | undefined) =>
    Effect.gen(function*() {
      const bytes = yield* fs.readFile(w.path)
      const key = `${createHash("sha256").update(bytes).digest("hex")} ${settingsOf(w)}`
      if (previous?.key === key || refused.get(w.id) === key) return
      if (reserved.has(w.id)) {
        refused.set(w.id, key)
        return yield* Effect.logError(`plugin '${w.id}' (${w.path}) is not loaded: a Layer plugin has that id`)
      }
      const scope = yield* Scope.fork(hostScope)
      let sandbox: Sandbox | undefined
      const info = { path: w.path, events: [] as ReadonlyArray<WasmEventTag> }
      const register = listenerSet(w, scope, () => sandbox)
      const started = yield* startSandbox({
        id: w.id,
        bytes,
        maxMemoryBytes: w.entry.maxMemory,
        maxCallTime: w.entry.maxCallTime,
        configJson: JSON.stringify(w.entry.config),
        dataDir: NodePath.join(NodePath.resolve((yield* SubscriptionRef.get(store.config)).pluginsDir), w.id),
        world,
        learnWorld: (learnt) => {
          world = learnt
        },
        onEvents: (tags) => {
          info.events = tags
          return register(tags)
        }
      }).pipe(Scope.provide(scope), Effect.exit)
      if (Exit.isFailure(started)) {
        yield* Scope.close(scope, Exit.void)
        refused.set(w.id, key)
        const error = Cause.squash(started.cause)
        const reason = error instanceof WasmPluginRefused ? error.detail : Cause.pretty(started.cause)
        const kept = previous === undefined ? "" : " (the version loaded before keeps running)"
        return yield* Effect.logError(`plugin '${w.id}' (${w.path}) is not loaded: ${reason}${kept}`)
      }
      sandbox = started.value
      refused.delete(w.id)
      if (previous !== undefined) yield* Scope.close(previous.scope, Exit.void)
      running.set(w.id, { key, scope, info })
      const listens = info.events.length === 0 ? "no events" : info.events.join(", ")
      yield* Effect.logInfo(`WASM plugin '${w.id}' ${previous === undefined ? "loaded" : "reloaded"} from ${w.path} (listens to ${listens})`)
    }).pipe(
      Effect.catch((error) => Effect.logError(`plugin '${w.id}': cannot read ${w.path}: ${error.message}`)),
      Effect.annotateLogs({ plugin: w.id })
    )

  const reconcile = Semaphore.withPermit(lock)(Effect.gen(function*() {
    const want = yield* wanted(yield* SubscriptionRef.get(store.config))
    for (const [id, r] of [...running]) {
      if (want.has(id)) continue
      running.delete(id)
      yield* Scope.close(r.scope, Exit.void)
      yield* Effect.logInfo(`WASM plugin '${id}' unloaded (${r.info.path} is gone or disabled)`).pipe(Effect.annotateLogs({ plugin: id }))
    }
    for (const id of [...refused.keys()]) if (!want.has(id)) refused.delete(id)
    for (const w of want.values()) yield* load(w, running.get(w.id))
  }))

  const start = (layerPlugins: ReadonlySet<string>) =>
    Effect.gen(function*() {
      reserved = layerPlugins
      const config = yield* SubscriptionRef.get(store.config)
      yield* fs.makeDirectory(config.pluginsDir, { recursive: true }).pipe(Effect.ignore)
      yield* reconcile
      // plugins_dir itself is read at start-up: moving it takes a restart, as for Layer plugins.
      yield* watchDirectory(fs, config.pluginsDir, {
        debounce: DEBOUNCE,
        onChange: reconcile,
        what: `watching ${config.pluginsDir} for WASM plugins`,
        log: Effect.logError
      }, (watch) => Effect.forkIn(watch, hostScope))
      yield* SubscriptionRef.changes(store.config).pipe(Stream.drop(1), Stream.runForEach(() => reconcile), Effect.forkIn(hostScope))
    })

  return WasmHost.of({
    start,
    loaded: Effect.sync(() => [...running].map(([id, r]) => ({ id, path: r.info.path, events: r.info.events })))
  })
})
