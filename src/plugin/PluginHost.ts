/**
 * Loads the plugins `[plugins.<id>]` names, at start-up, in dependency order, each in a scope of
 * its own with its own PluginContext (PluginApi.ts), and unloads them in reverse order when the
 * proxy stops.
 *
 * - An entry is loaded when `enabled` (default) and it has a `path`; the module's own id is the
 *   plugin's id (a config key that differs is used for its settings and warned about).
 * - Duplicate ids and dependency cycles stop start-up with a message that names them: the
 *   configuration says two incompatible things, and guessing would be worse.
 * - A plugin that cannot load (missing file, not a plugin, a dependency that could not load, a
 *   Layer that fails) is logged with its id and left out; the proxy and the other plugins go on.
 *
 * The proxy's own plugins (BuiltinPlugins.ts: server_wake, queue, auth) load by default after the
 * configured ones: `[plugins.<id>]` without a path holds a built-in's settings (or `enabled =
 * false`), and a configured plugin of the same id replaces it.
 *
 * WebAssembly plugins (`.wasm` paths, and every `*.wasm` in `plugins_dir`) are loaded by the WASM
 * host (src/wasm/WasmHost.ts) once the Layer plugins are in, and follow changes without a restart.
 *
 * Plugins run where the shared state lives: in the one process, or in the coordinator when worker
 * threads serve connections (their events reach it: src/workers/remote/RemoteEvents.ts).
 */
import { Cause, Context, Effect, Exit, FileSystem, Layer, Option, Schedule, Schema, Scope, Semaphore, SubscriptionRef } from "effect"
import * as NodePath from "node:path"
import { CommandRegistry } from "../command/CommandRegistry.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { PluginConfig } from "../config/GlobalTables.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { EventBus } from "../event/EventBus.ts"
import { LimboHandlers } from "../limbo/LimboHandlers.ts"
import { Router } from "../routing/Router.ts"
import { BanList } from "../security/BanList.ts"
import { Sessions } from "../session/Sessions.ts"
import { WasmHost } from "../wasm/WasmHost.ts"
import { BuiltinPlugins } from "./BuiltinPlugins.ts"
import { PluginContext, type PluginContextShape, type PluginDefinition, type ServerView } from "./PluginApi.ts"
import { importPlugin } from "./PluginModule.ts"
import { orderPlugins } from "./PluginOrder.ts"

/** The configuration cannot be loaded as written (duplicate ids, a dependency cycle): start-up stops. */
export class PluginConfigError extends Schema.TaggedError<PluginConfigError>()("PluginConfigError", {
  detail: Schema.String
}) {
  override get message(): string {
    return `[plugins]: ${this.detail}`
  }
}

export interface LoadedPlugin {
  readonly id: string
  readonly version: string
  readonly path: string
  readonly dependencies: ReadonlyArray<string>
}

export interface PluginStatus extends LoadedPlugin {
  readonly enabled: boolean
  readonly reloadable: boolean
}

/** What a disable or enable request did: a policy outcome, not an error. */
export type PluginToggle =
  | { readonly _tag: "Done"; readonly message: string }
  | { readonly _tag: "NotFound" }
  | { readonly _tag: "Refused"; readonly reason: string }

export class PluginHost extends Context.Service<PluginHost, {
  /** The plugins that loaded at start-up, in load order. */
  readonly loaded: ReadonlyArray<LoadedPlugin>
  /** The plugins that loaded at start-up, each with whether it runs now. */
  readonly status: Effect.Effect<ReadonlyArray<PluginStatus>>
  /** Unloads a running plugin that declares `reloadable` and no running plugin depends on. */
  readonly disable: (id: string) => Effect.Effect<PluginToggle>
  /** Loads a disabled plugin again, when the plugins it depends on run. */
  readonly enable: (id: string) => Effect.Effect<PluginToggle>
}>()("infrarust/plugin/PluginHost") {
  static readonly layer = Layer.effect(PluginHost, Effect.suspend(() => make))
}

const serverView = (s: LoadedServer): ServerView => ({
  id: s.id,
  domains: s.config.domains,
  addresses: s.config.addresses.map((a) => a.text),
  proxyMode: s.config.proxyMode,
  maxPlayers: s.config.maxPlayers,
  network: s.config.network,
  limboHandlers: s.config.limboHandlers
})

interface Candidate {
  readonly key: string
  readonly entry: PluginConfig
  readonly path: string
  readonly definition: PluginDefinition
  /** Shipped with the proxy (BuiltinPlugins.ts): no data directory is made for it up front. */
  readonly builtin: boolean
}

/** Where a built-in's `path` would be: logs and the admin API show it. */
const BUILTIN_PATH = "(built-in)"

const make = Effect.gen(function*() {
  const store = yield* ProxyConfigStore
  const config = yield* SubscriptionRef.get(store.config)
  const fs = yield* FileSystem.FileSystem
  const bus = yield* EventBus
  const sessions = yield* Sessions
  const router = yield* Router
  const bans = yield* BanList
  const hostScope = yield* Scope.Scope
  const wasm = yield* WasmHost
  const limboHandlers = yield* LimboHandlers
  const commands = yield* CommandRegistry
  const builtins = Option.match(yield* Effect.serviceOption(BuiltinPlugins), { onNone: () => [], onSome: (b) => b.definitions })
  const builtinIds = new Set(builtins.map((b) => b.id))

  const candidates: Array<Candidate> = []
  for (const [key, entry] of Object.entries(config.plugins)) {
    if (!entry.enabled) {
      yield* Effect.logInfo(`plugin '${key}' is disabled ([plugins.${key}] enabled = false)`)
      continue
    }
    // WebAssembly plugins are the WASM host's: a .wasm path, or settings for <plugins_dir>/<key>.wasm.
    if (entry.path?.endsWith(".wasm") === true) continue
    if (entry.path === undefined) {
      // A built-in's settings: it joins below.
      if (builtinIds.has(key)) continue
      if (yield* fs.exists(NodePath.join(config.pluginsDir, `${key}.wasm`)).pipe(Effect.orElseSucceed(() => false))) continue
      yield* Effect.logError(
        `plugin '${key}' has no path, and infrarust-ts has no built-in plugin of that name: not loaded (a WebAssembly plugin of that id would be ${NodePath.join(config.pluginsDir, `${key}.wasm`)})`
      )
      continue
    }
    const imported = yield* Effect.result(importPlugin(key, entry.path))
    if (imported._tag === "Failure") {
      yield* Effect.logError(`${imported.failure.message}: not loaded`)
      continue
    }
    const definition = imported.success
    if (definition.id !== key) {
      yield* Effect.logWarning(`[plugins.${key}] loads the plugin '${definition.id}' (${entry.path}); its settings apply to '${definition.id}'`)
    }
    candidates.push({ key, entry, path: entry.path, definition, builtin: false })
  }
  // Built-ins load by default, after the configured plugins (so a configured plugin that takes a
  // limbo handler name first keeps it); a configured plugin of the same id replaces one.
  for (const definition of builtins) {
    const replacement = candidates.find((c) => c.definition.id === definition.id)
    if (replacement !== undefined) {
      yield* Effect.logInfo(`plugin '${definition.id}' from ${replacement.path} replaces the built-in one`)
      continue
    }
    const own = config.plugins[definition.id]
    if (own !== undefined && !own.enabled) continue
    const entry = own !== undefined && own.path === undefined ? own : yield* Schema.decodeUnknownEffect(PluginConfig)({}).pipe(Effect.orDie)
    candidates.push({ key: definition.id, entry, path: BUILTIN_PATH, definition, builtin: true })
  }

  const ordered = orderPlugins(candidates.map((c) => ({ id: c.definition.id, source: c.path, dependencies: c.definition.dependencies ?? [] })))
  if (ordered._tag === "Invalid") return yield* new PluginConfigError({ detail: ordered.message })
  for (const skip of ordered.skipped) yield* Effect.logError(`plugin '${skip.id}' is not loaded: ${skip.reason}`)

  const byId = new Map(candidates.map((c) => [c.definition.id, c]))
  const failed = new Set<string>()
  const loaded: Array<LoadedPlugin> = []
  /** The scope of each running plugin; a disabled one has none. */
  const running = new Map<string, Scope.Closeable>()

  /** Builds a plugin's Layer in a scope of its own; false (logged) when it fails. */
  const start = Effect.fnUntraced(function*(candidate: Candidate) {
    const { definition, entry } = candidate
    const id = definition.id
    const scope = yield* Scope.fork(hostScope)
    const dataDir = NodePath.join(config.pluginsDir, id)
    const context = makeContext({ definition, entry, dataDir, scope })
    // A built-in makes its directory when it first writes there: a proxy that never uses one
    // gets no empty directories.
    const prepare = candidate.builtin ? Effect.void : fs.makeDirectory(dataDir, { recursive: true })
    const built = yield* prepare.pipe(
      Effect.andThen(Layer.buildWithScope(definition.layer, scope)),
      Effect.provideService(PluginContext, context),
      Effect.annotateLogs({ plugin: id }),
      Effect.exit
    )
    if (Exit.isFailure(built)) {
      yield* Scope.close(scope, Exit.void)
      yield* Effect.logError(`plugin '${id}' failed to load and is left out`, Cause.pretty(built.cause))
      return false
    }
    running.set(id, scope)
    return true
  })

  for (const id of ordered.order) {
    const candidate = byId.get(id)!
    const { definition } = candidate
    const dependency = (definition.dependencies ?? []).find((d) => failed.has(d))
    if (dependency !== undefined) {
      failed.add(id)
      yield* Effect.logError(`plugin '${id}' is not loaded: it depends on '${dependency}', which failed to load`)
      continue
    }
    if (!(yield* start(candidate))) {
      failed.add(id)
      continue
    }
    loaded.push({ id, version: definition.version, path: candidate.path, dependencies: definition.dependencies ?? [] })
    yield* Effect.logInfo(`plugin '${id}' ${definition.version} loaded from ${candidate.path}`)
  }
  // WebAssembly plugins load after the Layer plugins, and may not take their ids.
  yield* wasm.start(new Set(loaded.map((p) => p.id)))

  // `/ir plugins` lists the Layer plugins and the WebAssembly ones.
  yield* commands.describePlugins(Effect.zipWith(
    Effect.sync(() => loaded.map((p) => ({ id: p.id, version: p.version, enabled: running.has(p.id) }))),
    wasm.loaded,
    (layers, wasms) => [...layers, ...wasms.map((w) => ({ id: w.id, version: "(WebAssembly)", enabled: true }))]
  ))

  const lock = yield* Semaphore.make(1)
  const known = (id: string) => loaded.some((p) => p.id === id)
  const reloadable = (id: string) => byId.get(id)?.definition.reloadable === true
  const notReloadable = (id: string): PluginToggle => ({
    _tag: "Refused",
    reason: `plugin '${id}' cannot be disabled or enabled while the proxy runs (it does not declare reloadable: true); change [plugins.${id}] enabled and restart`
  })

  const disable = (id: string) =>
    Semaphore.withPermit(lock)(Effect.gen(function*() {
      if (!known(id)) return { _tag: "NotFound" } as PluginToggle
      const scope = running.get(id)
      if (scope === undefined) return { _tag: "Refused", reason: `plugin '${id}' is already disabled` } as PluginToggle
      if (!reloadable(id)) return notReloadable(id)
      const dependents = loaded.filter((p) => running.has(p.id) && p.dependencies.includes(id)).map((p) => p.id)
      if (dependents.length > 0) {
        return { _tag: "Refused", reason: `plugin '${id}' is needed by ${dependents.map((d) => `'${d}'`).join(", ")}; disable them first` } as PluginToggle
      }
      running.delete(id)
      yield* Scope.close(scope, Exit.void)
      yield* Effect.logInfo(`plugin '${id}' disabled`)
      return { _tag: "Done", message: `Plugin '${id}' disabled` } as PluginToggle
    }))

  const enable = (id: string) =>
    Semaphore.withPermit(lock)(Effect.gen(function*() {
      if (!known(id)) return { _tag: "NotFound" } as PluginToggle
      if (running.has(id)) return { _tag: "Refused", reason: `plugin '${id}' is already enabled` } as PluginToggle
      if (!reloadable(id)) return notReloadable(id)
      const candidate = byId.get(id)!
      const missing = (candidate.definition.dependencies ?? []).filter((d) => !running.has(d))
      if (missing.length > 0) {
        return { _tag: "Refused", reason: `plugin '${id}' depends on ${missing.map((d) => `'${d}'`).join(", ")}, which is not running` } as PluginToggle
      }
      if (!(yield* start(candidate))) return { _tag: "Refused", reason: `plugin '${id}' failed to load (see the log)` } as PluginToggle
      yield* Effect.logInfo(`plugin '${id}' enabled`)
      return { _tag: "Done", message: `Plugin '${id}' enabled` } as PluginToggle
    }))

  return PluginHost.of({
    loaded,
    status: Effect.sync(() => loaded.map((p) => ({ ...p, enabled: running.has(p.id), reloadable: reloadable(p.id) }))),
    disable,
    enable
  })

  function makeContext(options: {
    readonly definition: PluginDefinition
    readonly entry: PluginConfig
    readonly dataDir: string
    readonly scope: Scope.Scope
  }): PluginContextShape {
    const { definition, entry, scope } = options
    const owner = definition.id
    const inScope = <A>(effect: Effect.Effect<A, never, Scope.Scope>) => Scope.provide(scope)(effect)
    const isolated = (task: Effect.Effect<void, unknown>) =>
      task.pipe(
        Effect.catchCause((cause) => Effect.logError(`plugin '${owner}': a scheduled task failed`, Cause.pretty(cause))),
        Effect.annotateLogs({ plugin: owner })
      )
    const find = (nameOrUuid: string) =>
      Effect.flatMap(sessions.findByName(nameOrUuid), (byName) => (Option.isSome(byName) ? Effect.succeed(byName) : sessions.findByUuid(nameOrUuid.toLowerCase())))
    const withPlayer = (nameOrUuid: string, f: (id: number) => Effect.Effect<boolean>) =>
      Effect.flatMap(find(nameOrUuid), (found) => (Option.isSome(found) ? f(found.value.id) : Effect.succeed(false)))
    return {
      id: owner,
      version: definition.version,
      dataDir: options.dataDir,
      config: entry.config,
      proxyConfig: SubscriptionRef.get(store.config),
      events: {
        on: (tag, listener, opts) =>
          inScope(bus.listen(tag, listener, { owner, priority: opts?.priority, packets: opts?.packets, timeout: entry.listenerTimeout }))
      },
      players: {
        list: sessions.list,
        find,
        kick: (nameOrUuid, reason) => withPlayer(nameOrUuid, (id) => sessions.kick(id, reason)),
        message: (nameOrUuid, text) => withPlayer(nameOrUuid, (id) => sessions.act(id, { _tag: "Message", text })),
        actionBar: (nameOrUuid, text) => withPlayer(nameOrUuid, (id) => sessions.act(id, { _tag: "ActionBar", text })),
        title: (nameOrUuid, title) => withPlayer(nameOrUuid, (id) => sessions.act(id, { _tag: "Title", ...title })),
        send: (nameOrUuid, server) =>
          Effect.flatMap(find(nameOrUuid), (found) => (Option.isSome(found) ? sessions.switchTo(found.value.id, server) : Effect.succeed({ _tag: "NotFound" } as const)))
      },
      servers: {
        list: Effect.map(SubscriptionRef.get(router.table), (t) => t.entries.map((e) => serverView(e.value))),
        get: (id) => Effect.map(router.server(id), (s) => Option.map(Option.fromUndefinedOr(s), serverView))
      },
      bans: {
        add: (ban) => bans.add({ target: ban.target, reason: ban.reason, duration: ban.duration, source: owner }),
        remove: (target) => bans.remove(target, owner),
        list: bans.list
      },
      limbo: {
        register: (name, handler) => Scope.provide(scope)(limboHandlers.register(owner, name, handler))
      },
      commands: {
        register: (name, handler, opts) =>
          Scope.provide(scope)(commands.register(owner, name, handler, { ...opts, timeout: entry.listenerTimeout }))
      },
      schedule: {
        every: (interval, task) => Effect.asVoid(Effect.forkIn(Effect.repeat(isolated(task), Schedule.spaced(interval)), scope)),
        after: (delay, task) => Effect.asVoid(Effect.forkIn(Effect.delay(isolated(task), delay), scope))
      }
    }
  }
})
