/**
 * The live list of backend servers, read from `servers_dir` and kept current by a file watcher.
 *
 * - At start-up every `*.toml` file in the directory is loaded (not recursive, by file name;
 *   dot-files such as editor lock files are skipped). A missing directory is created.
 * - A broken file is logged at WARN with the file/key/expectation message and left out; the
 *   others load. A broken *edit* keeps the file's last good version.
 * - The directory is watched (debounced 200 ms, as Infrarust) and rescanned on any change, once
 *   the files have stopped changing for `file_settle` (SettledRead.ts; a changed file that does
 *   not parse gets one more settle period before it counts as broken):
 *   added, edited and removed files change the list without a restart, and each change is
 *   logged on one line (`servers changed: added a; updated b; removed c`).
 * - Two files with one server id: the file whose name sorts first keeps it; the conflict is logged.
 * - Two files with one domain: at start-up the routing table's rule picks (the file name that
 *   sorts first). After that a live domain never moves: a file added or edited to claim a domain
 *   another server serves is published without it, with an error naming both files, until one
 *   of them gives it up (DomainClaims.ts).
 * - With `[web]`, the servers created through the admin API (ApiServers.ts, `servers.json`) are
 *   published in the same list, after the files' (a file's id wins over an API server's, logged);
 *   `api.put`/`api.remove` persist a change before publishing it.
 * - Servers discovered elsewhere (Docker containers, src/docker/) come last, through
 *   `publishDiscovered`: files and API servers keep any id or domain they also claim (logged).
 */
import { Context, type Duration, Effect, FileSystem, Layer, Result, Semaphore, SubscriptionRef } from "effect"
import * as NodePath from "node:path"
import { type ApiServerRecord, apiServersPath, readApiServers, toLoadedServer, writeApiServers } from "./ApiServers.ts"
import { type ConfigError, fileError } from "./ConfigError.ts"
import { fileStem, type LoadedServer, loadedServer, parseServerConfig } from "./ConfigLoader.ts"
import { configDirectory, resolveServerPaths } from "./ConfigPaths.ts"
import { describeHeld, domainKey, holdLiveDomains } from "./DomainClaims.ts"
import { watchDirectory } from "./FileWatch.ts"
import { DEFAULT_SETTLE, MAX_SETTLE_ROUNDS } from "./SettledRead.ts"
import { ProxyConfigStore } from "./ProxyConfigStore.ts"
import {
  assembleServers,
  collisionKey,
  describeChange,
  describeCollision,
  diffServers,
  type FileEntry,
  isEmptyChange,
  mergeDiscovered
} from "./ServerList.ts"

export type { LoadedServer } from "./ConfigLoader.ts"

/** Infrarust's debounce for the servers directory (`core/provider/file.rs`). */
const DEBOUNCE = "200 millis"

/** The servers of `servers.json` (the admin API's own). */
export interface ApiServersShape {
  /** Where they are stored. */
  readonly path: string
  readonly records: Effect.Effect<ReadonlyArray<ApiServerRecord>>
  /**
   * Creates or replaces the server `record.id`: checked like a server file, written to disk,
   * then published. Fails with the ConfigError naming the key when the record is not valid.
   */
  readonly put: (record: ApiServerRecord) => Effect.Effect<LoadedServer, ConfigError>
  /** Deletes the server; false when it was not an API server. */
  readonly remove: (id: string) => Effect.Effect<boolean, ConfigError>
}

export interface ServersDirectoryShape {
  /** The directory, absolute when it comes from the config store (ConfigPaths.ts). */
  readonly directory: string
  /** The current servers, ordered by file name (API servers last); `changes` starts with the current list. */
  readonly servers: SubscriptionRef.SubscriptionRef<ReadonlyArray<LoadedServer>>
  /** Rescans the directory now (the watcher does this by itself; for reload commands). */
  readonly reload: Effect.Effect<void>
  /** The admin API's servers; absent without `[web]` and in worker threads. */
  readonly api?: ApiServersShape | undefined
  /**
   * Replaces the servers another source discovered (`source` = `"docker"`). They are published
   * after the files' and the API's, which keep any id or domain both claim (logged once).
   * Absent in worker threads (the coordinator discovers).
   */
  readonly publishDiscovered?: ((source: string, servers: ReadonlyArray<LoadedServer>) => Effect.Effect<void>) | undefined
}

const isServerFile = (name: string): boolean => name.endsWith(".toml") && !name.startsWith(".")

const make = Effect.fnUntraced(function*(
  directory: string,
  apiFile?: string,
  settle: Effect.Effect<Duration.Duration> = Effect.succeed(DEFAULT_SETTLE),
  /** The config file's directory: relative paths in server files resolve against it (ConfigPaths.ts). */
  base?: string
) {
  const fs = yield* FileSystem.FileSystem

  const exists = yield* fs.exists(directory).pipe(Effect.orElseSucceed(() => false))
  if (!exists) {
    yield* fs.makeDirectory(directory, { recursive: true }).pipe(
      Effect.mapError((e) => fileError(directory, "Unreadable", `cannot create the servers directory: ${e.message}`))
    )
    yield* Effect.logInfo(`created the servers directory ${directory} (it did not exist)`)
  }

  let entries: ReadonlyMap<string, FileEntry> = new Map()
  let duplicates = new Set<string>()

  /** Reads the directory into new entries, logging broken files and new id conflicts. */
  const scan = Effect.fnUntraced(function*() {
    const names = yield* fs.readDirectory(directory)
    const next = new Map<string, FileEntry>()
    for (const name of names.filter(isServerFile).sort()) {
      const path = NodePath.join(directory, name)
      const previous = entries.get(name)
      const read = yield* Effect.result(fs.readFileString(path))
      if (Result.isFailure(read)) {
        // Gone between listing and reading: it is a removal, the next event rescans anyway.
        if (read.failure.reason._tag === "NotFound") continue
        yield* Effect.logWarning(`${path}: cannot read the file: ${read.failure.message}`)
        if (previous !== undefined) next.set(name, previous)
        continue
      }
      const text = read.success
      if (previous !== undefined && previous.text === text) {
        next.set(name, previous)
        continue
      }
      const parsed = parseServerConfig(text, path, fileStem(name))
      if (Result.isSuccess(parsed)) {
        for (const warning of parsed.success.warnings) yield* Effect.logWarning(warning)
        const server = loadedServer(parsed.success, path)
        const good = base === undefined ? server : { ...server, config: resolveServerPaths(server.config, base) }
        next.set(name, { text, good })
      } else {
        const kept = previous?.good !== undefined ? "keeping its last good version" : "the file is skipped"
        yield* Effect.logWarning(`${parsed.failure.message}\n(${kept})`)
        next.set(name, { text, good: previous?.good })
      }
    }
    entries = next
    const assembled = assembleServers(next)
    const conflicts = new Set<string>()
    for (const d of assembled.duplicates) {
      const key = `${d.file}\u0000${d.id}`
      conflicts.add(key)
      if (!duplicates.has(key)) {
        yield* Effect.logWarning(
          `${NodePath.join(directory, d.file)}: server id "${d.id}" is already used by ${d.keptFile}; this file is ignored`
        )
      }
    }
    duplicates = conflicts
    return assembled.servers
  })

  let apiRecords: ReadonlyArray<ApiServerRecord> = []
  let apiServers: ReadonlyArray<LoadedServer> = []
  let fileServers: ReadonlyArray<LoadedServer> = []
  let shadowed = new Set<string>()
  if (apiFile !== undefined) {
    const loaded = yield* Effect.result(readApiServers(apiFile))
    if (Result.isFailure(loaded)) {
      yield* Effect.logError(`${loaded.failure.message}\n(the API-created servers are not loaded; the file is left as it is)`)
    } else {
      apiRecords = loaded.success
      const good: Array<LoadedServer> = []
      for (const record of apiRecords) {
        const server = toLoadedServer(record, apiFile)
        if (Result.isSuccess(server)) good.push(server.success)
        else yield* Effect.logWarning(`${server.failure.message}\n(the server is skipped)`)
      }
      apiServers = good
    }
  }

  /** Servers of other sources (Docker discovery), by source name. */
  let discovered: ReadonlyMap<string, ReadonlyArray<LoadedServer>> = new Map()
  let collided: ReadonlySet<string> = new Set()

  /**
   * The files' servers, then the API's whose id no file uses, then the discovered ones whose id
   * and domains are free (ServerList.mergeDiscovered); each shadowing and collision logged once.
   */
  const combine = Effect.fnUntraced(function*() {
    const ids = new Set(fileServers.map((s) => s.id))
    const next = new Set<string>()
    for (const s of apiServers) {
      if (!ids.has(s.id)) continue
      next.add(s.id)
      if (!shadowed.has(s.id)) yield* Effect.logWarning(`${apiFile}: server id "${s.id}" is also used by a file in ${directory}; the file wins`)
    }
    shadowed = next
    const base = [...fileServers, ...apiServers.filter((s) => !ids.has(s.id))]
    if (discovered.size === 0 && collided.size === 0) return base
    const merged = mergeDiscovered(base, [...discovered.values()].flat())
    for (const c of merged.collisions) if (!collided.has(collisionKey(c))) yield* Effect.logWarning(describeCollision(c))
    collided = new Set(merged.collisions.map(collisionKey))
    return [...base, ...merged.servers]
  })

  /** Every server file's text now (unreadable ones left out): what a save in progress changes. */
  const snapshot = Effect.gen(function*() {
    const texts = new Map<string, string>()
    for (const name of (yield* fs.readDirectory(directory)).filter(isServerFile)) {
      const read = yield* Effect.result(fs.readFileString(NodePath.join(directory, name)))
      if (Result.isSuccess(read)) texts.set(name, read.success)
    }
    return texts
  })
  const sameTexts = (a: ReadonlyMap<string, string>, b: ReadonlyMap<string, string>) =>
    a.size === b.size && [...a].every(([name, text]) => b.get(name) === text)
  const known = () => new Map([...entries].map(([name, entry]) => [name, entry.text]))
  /** A file that changed since the last scan and does not parse (half-written, or broken). */
  const changedAndBroken = (texts: ReadonlyMap<string, string>) =>
    [...texts].some(([name, text]) =>
      entries.get(name)?.text !== text && Result.isFailure(parseServerConfig(text, name, fileStem(name))))

  /**
   * Waits until the files stop changing (SettledRead.ts: two snapshots `file_settle` apart
   * agree), and gives a changed file that does not parse one more settle period.
   */
  const settleFiles = Effect.gen(function*() {
    let previous = yield* snapshot
    if (sameTexts(previous, known())) return
    const period = yield* settle
    let retried = false
    for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
      yield* Effect.sleep(period)
      const next = yield* snapshot
      const stable = sameTexts(previous, next)
      previous = next
      if (!stable) continue
      if (retried || !changedAndBroken(next)) return
      retried = true
    }
  })

  const servers = yield* SubscriptionRef.make<ReadonlyArray<LoadedServer>>([])
  const lock = yield* Semaphore.make(1)
  /** Under the lock: publishes the combined list when it changed. */
  let heldKeys = new Set<string>()
  const publish = Effect.fnUntraced(function*() {
    const before = yield* SubscriptionRef.get(servers)
    // A live domain stays with its server (DomainClaims.ts); each hold is logged once while it lasts.
    const { servers: next, held } = holdLiveDomains(before, yield* combine())
    const keys = new Set<string>()
    for (const h of held) {
      const key = `${h.claimant.id}\u0000${domainKey(h.domain)}`
      keys.add(key)
      if (!heldKeys.has(key)) yield* Effect.logError(describeHeld(h))
    }
    heldKeys = keys
    const change = diffServers(before, next)
    if (isEmptyChange(change)) return
    // Log first: whoever reacts to the new list sees the line that explains it already written.
    yield* Effect.logInfo(describeChange(change))
    yield* SubscriptionRef.set(servers, next)
  })
  const reload = Semaphore.withPermit(lock)(
    Effect.gen(function*() {
      yield* settleFiles
      fileServers = yield* scan()
      yield* publish()
    }).pipe(
      Effect.catch((e) => Effect.logWarning(`${directory}: cannot list the servers directory: ${e.message}`))
    )
  )

  // Watch first, then load: a change made while the initial load runs still triggers a rescan.
  yield* watchDirectory(fs, directory, {
    debounce: DEBOUNCE,
    onChange: reload,
    what: `${directory}: watching for changes`,
    log: Effect.logError
  }, Effect.forkScoped)

  // Published under the lock, so a rescan triggered meanwhile diffs against this list.
  const initial = yield* Semaphore.withPermit(lock)(
    scan().pipe(
      Effect.tap((list) => {
        fileServers = list
        return Effect.flatMap(combine(), (all) => SubscriptionRef.set(servers, all))
      })
    )
  ).pipe(
    Effect.mapError((e) => fileError(directory, "Unreadable", `cannot list the servers directory: ${e.message}`))
  )
  yield* Effect.logInfo(
    `loaded ${initial.length} server${initial.length === 1 ? "" : "s"} from ${directory}` +
      (initial.length > 0 ? `: ${initial.map((s) => s.id).join(", ")}` : "")
  )
  if (apiFile !== undefined && apiServers.length > 0) {
    yield* Effect.logInfo(`loaded ${apiServers.length} API-created server(s) from ${apiFile}: ${apiServers.map((s) => s.id).join(", ")}`)
  }

  const api = apiFile === undefined ? undefined : makeApi(apiFile)
  const publishDiscovered = (source: string, list: ReadonlyArray<LoadedServer>) =>
    Semaphore.withPermit(lock)(Effect.suspend(() => {
      const next = new Map(discovered)
      if (list.length === 0) next.delete(source)
      else next.set(source, list)
      discovered = next
      return publish()
    }))
  return ServersDirectory.of({ directory, servers, reload, api, publishDiscovered })

  /** Writes first, then publishes: a change the API answered with is on disk. */
  function makeApi(path: string): ApiServersShape {
    const change = (records: ReadonlyArray<ApiServerRecord>, loaded: ReadonlyArray<LoadedServer>) =>
      Effect.gen(function*() {
        yield* writeApiServers(path, records).pipe(Effect.provideService(FileSystem.FileSystem, fs))
        apiRecords = records
        apiServers = loaded
        yield* publish()
      })
    return {
      path,
      records: Effect.sync(() => apiRecords),
      put: (record) =>
        Semaphore.withPermit(lock)(Effect.gen(function*() {
          const server = yield* Effect.fromResult(toLoadedServer(record, path))
          const replace = <A extends { readonly id: string }>(list: ReadonlyArray<A>, item: A) =>
            list.some((x) => x.id === item.id) ? list.map((x) => (x.id === item.id ? item : x)) : [...list, item]
          yield* change(replace(apiRecords, record), replace(apiServers, server))
          return server
        })),
      remove: (id) =>
        Semaphore.withPermit(lock)(Effect.gen(function*() {
          if (!apiRecords.some((r) => r.id === id)) return false
          yield* change(apiRecords.filter((r) => r.id !== id), apiServers.filter((s) => s.id !== id))
          return true
        }))
    }
  }
})

export class ServersDirectory extends Context.Service<ServersDirectory, ServersDirectoryShape>()(
  "infrarust/config/ServersDirectory"
) {
  /**
   * The directory named by `servers_dir` in the loaded global config, plus, with `[web]`, the
   * API-created servers of `<plugins_dir>/admin_api/servers.json` (read at start-up).
   */
  static readonly layer = Layer.effect(
    ServersDirectory,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const config = yield* SubscriptionRef.get(store.config)
      return yield* make(
        config.serversDir,
        config.web === undefined ? undefined : apiServersPath(config.pluginsDir),
        Effect.map(SubscriptionRef.get(store.config), (c) => c.fileSettle),
        configDirectory(store.path)
      )
    })
  )

  /** A given directory, and optionally a servers.json (tests, tools); changed files settle for `settle` (1 s). */
  static readonly layerDirectory = (directory: string, apiFile?: string, settle?: Duration.Duration) =>
    Layer.effect(ServersDirectory, make(directory, apiFile, settle === undefined ? undefined : Effect.succeed(settle)))
}
