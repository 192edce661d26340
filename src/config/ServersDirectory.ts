/**
 * The live list of backend servers, read from `servers_dir` and kept current by a file watcher.
 *
 * - At start-up every `*.toml` file in the directory is loaded (not recursive, by file name;
 *   dot-files such as editor lock files are skipped). A missing directory is created.
 * - A broken file is logged at WARN with the file/key/expectation message and left out; the
 *   others load. A broken *edit* keeps the file's last good version.
 * - The directory is watched (debounced 200 ms, as Infrarust) and rescanned on any change:
 *   added, edited and removed files change the list without a restart, and each change is
 *   logged on one line (`servers changed: added a; updated b; removed c`).
 * - Two files with one server id: the file whose name sorts first keeps it; the conflict is logged.
 */
import { Context, Effect, FileSystem, Layer, Result, Semaphore, SubscriptionRef } from "effect"
import * as NodePath from "node:path"
import { fileError } from "./ConfigError.ts"
import { fileStem, type LoadedServer, loadedServer, parseServerConfig } from "./ConfigLoader.ts"
import { watchDirectory } from "./FileWatch.ts"
import { ProxyConfigStore } from "./ProxyConfigStore.ts"
import { assembleServers, describeChange, diffServers, type FileEntry, isEmptyChange } from "./ServerList.ts"

export type { LoadedServer } from "./ConfigLoader.ts"

/** Infrarust's debounce for the servers directory (`core/provider/file.rs`). */
const DEBOUNCE = "200 millis"

export interface ServersDirectoryShape {
  /** The directory as configured (relative to the working directory if relative). */
  readonly directory: string
  /** The current servers, ordered by file name; `changes` starts with the current list. */
  readonly servers: SubscriptionRef.SubscriptionRef<ReadonlyArray<LoadedServer>>
  /** Rescans the directory now (the watcher does this by itself; for reload commands). */
  readonly reload: Effect.Effect<void>
}

const isServerFile = (name: string): boolean => name.endsWith(".toml") && !name.startsWith(".")

const make = Effect.fnUntraced(function*(directory: string) {
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
        next.set(name, { text, good: loadedServer(parsed.success, path) })
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

  const servers = yield* SubscriptionRef.make<ReadonlyArray<LoadedServer>>([])
  const lock = yield* Semaphore.make(1)
  const reload = Semaphore.withPermit(lock)(
    Effect.gen(function*() {
      const next = yield* scan()
      const before = yield* SubscriptionRef.get(servers)
      const change = diffServers(before, next)
      if (isEmptyChange(change)) return
      // Log first: whoever reacts to the new list sees the line that explains it already written.
      yield* Effect.logInfo(describeChange(change))
      yield* SubscriptionRef.set(servers, next)
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
    scan().pipe(Effect.tap((list) => SubscriptionRef.set(servers, list)))
  ).pipe(
    Effect.mapError((e) => fileError(directory, "Unreadable", `cannot list the servers directory: ${e.message}`))
  )
  yield* Effect.logInfo(
    `loaded ${initial.length} server${initial.length === 1 ? "" : "s"} from ${directory}` +
      (initial.length > 0 ? `: ${initial.map((s) => s.id).join(", ")}` : "")
  )

  return ServersDirectory.of({ directory, servers, reload })
})

export class ServersDirectory extends Context.Service<ServersDirectory, ServersDirectoryShape>()(
  "infrarust/config/ServersDirectory"
) {
  /** The directory named by `servers_dir` in the loaded global config. */
  static readonly layer = Layer.effect(
    ServersDirectory,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const config = yield* SubscriptionRef.get(store.config)
      return yield* make(config.serversDir)
    })
  )

  /** A given directory (tests, tools). */
  static readonly layerDirectory = (directory: string) => Layer.effect(ServersDirectory, make(directory))
}
