/**
 * `[ban]`: the live ban list, backed by `bans.json` (Infrarust's format plus `cidr` targets).
 *
 * - Lookups ({@link BanListShape.find}) read an immutable in-memory index and never touch the
 *   disk: IP bans are checked before the handshake, names and UUIDs at login start. Expired
 *   bans stop matching at once and are removed by the purge every `purge_interval`.
 * - Every change (add, remove, purge) runs under one lock: re-read the file if someone else
 *   changed it, apply the change, write atomically (BanStore.ts), then publish the new index.
 *   Concurrent adds are therefore serialised and none is lost, and a hand edit made just
 *   before an add is merged rather than overwritten.
 * - The file is watched. Text equal to what we last wrote is our own write and ignored;
 *   anything else is a hand edit: adopted, logged, and recorded in the audit log (source
 *   "file"). A file that does not parse is never overwritten silently: it is moved aside to
 *   `<file>.bak`, an Error names the problem, and the bans in memory are written back.
 * - Changing `[ban] file` in `infrarust.toml` switches to the new file; `purge_interval` and
 *   `enable_audit_log` apply from their next use.
 *
 * - Worker threads answer lookups from a mirror of the list (src/workers/BanMirror.ts); the
 *   `onPublish` hook tells them, before a new list answers here, that theirs is out of date.
 *
 * `add`/`remove`/`list` are the API a console or admin endpoint calls.
 */
import {
  Clock,
  Context,
  Duration,
  Effect,
  FiberHandle,
  FileSystem,
  Layer,
  Option,
  Result,
  Schema,
  Semaphore,
  Stream,
  SubscriptionRef
} from "effect"
import * as NodePath from "node:path"
import { watchDirectory } from "../config/FileWatch.ts"
import { DEFAULT_SETTLE, settledParse } from "../config/SettledRead.ts"
import type { BanConfig } from "../config/GlobalTables.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { Events } from "../event/EventBus.ts"
import {
  type AuditEntry,
  type BanEntry,
  describeExpiry,
  describeTarget,
  isExpired,
  MAX_REASON_CHARS,
  parseBanTarget,
  targetKey
} from "./Ban.ts"
import { type BanFileData, decodeBanFile, emptyBanFile, encodeBanFile } from "./BanFile.ts"
import { audited, type BanLookup, diffAudit, indexOf, lookupBan } from "./BanIndex.ts"
export type { BanLookup } from "./BanIndex.ts"
import { BanStoreError, ensureDirectory, readBanText, setAside, writeBanText } from "./BanStore.ts"

export class BanInputError extends Schema.TaggedError<BanInputError>()("BanInputError", {
  detail: Schema.String
}) {
  override get message(): string {
    return `invalid ban: ${this.detail}`
  }
}

export interface BanInput {
  /** `{ type: "ip" | "cidr" | "username" | "uuid", value }`; the value is canonicalised. */
  readonly target: { readonly type: string; readonly value: string }
  /** Shown to the player; absent = "Banned by administrator". */
  readonly reason?: string | undefined
  /** Absent = permanent. */
  readonly duration?: Duration.Duration | undefined
  /** The author, recorded with the ban and in the audit log; default "console". */
  readonly source?: string | undefined
}

export interface BanListShape {
  /** Bans (or re-bans, replacing the previous entry of) a target; persisted before it returns. */
  readonly add: (input: BanInput) => Effect.Effect<BanEntry, BanInputError | BanStoreError>
  /** Lifts the ban of a target; false when there was none. */
  readonly remove: (
    target: { readonly type: string; readonly value: string },
    source?: string
  ) => Effect.Effect<boolean, BanInputError | BanStoreError>
  /** Active bans (expired ones excluded), in the file's order. */
  readonly list: Effect.Effect<ReadonlyArray<BanEntry>>
  readonly auditLog: Effect.Effect<ReadonlyArray<AuditEntry>>
  /** The active ban matching, in order: the IP (exact, then ranges), the name, the UUID. */
  readonly find: (lookup: BanLookup) => Effect.Effect<Option.Option<BanEntry>>
  /**
   * {@link find} at `now`, synchronously; "stale" when this thread's copy of the list cannot
   * answer (a worker whose mirror is out of date): ask {@link find} then.
   */
  readonly findNow: (lookup: BanLookup, now: number) => BanEntry | undefined | "stale"
  /** Removes expired bans now (the purge task does this every `purge_interval`). */
  readonly purgeExpired: Effect.Effect<number, BanStoreError>
  /** Picks up changes to the file now (the watcher does this on its own). */
  readonly reload: Effect.Effect<void>
  /** The file in use (an Effect: a worker thread asks the coordinator's list). */
  readonly path: Effect.Effect<string>
}

/** Minimum time between purges, whatever `purge_interval` says. */
const MIN_PURGE_INTERVAL = Duration.seconds(1)
/** Editors save in several steps; wait for the file to settle. */
const WATCH_DEBOUNCE = "250 millis"

export interface BanSettings {
  readonly current: Effect.Effect<BanConfig>
  readonly changes: Stream.Stream<BanConfig>
  /** How long a changed file must stay unchanged before it is read (`file_settle`; 1 s when absent). */
  readonly settle?: Effect.Effect<Duration.Duration> | undefined
}

/**
 * Called with the active list each time the index is replaced, *before* the new index answers
 * lookups (worker threads mirror the list and must know theirs is out of date by then).
 */
export type OnPublish = (bans: ReadonlyArray<BanEntry>) => void

/** Where `BanCreated` / `BanRemoved` go once a change is on disk (the live layer: the event bus). */
export type OnChange = (event: BanChange) => Effect.Effect<void>
export type BanChange =
  | { readonly _tag: "BanCreated"; readonly ban: BanEntry }
  | { readonly _tag: "BanRemoved"; readonly target: BanEntry["target"]; readonly source: string }

/** A change planned against the latest bans; without `bans` nothing is written or logged. */
interface Change<A> {
  /** What the caller gets back. */
  readonly result: A
  readonly bans?: ReadonlyArray<BanEntry>
  readonly records?: ReadonlyArray<AuditEntry>
  /** Info lines, logged once the change is on disk. */
  readonly logs?: ReadonlyArray<string>
}

const toSeconds = (millis: number): number => Math.floor(millis / 1000)

const make = Effect.fnUntraced(function*(settings: BanSettings, onPublish?: OnPublish, onChange?: OnChange) {
  const fs = yield* FileSystem.FileSystem
  const lock = yield* Semaphore.make(1)
  let path = (yield* settings.current).file
  let index = indexOf(emptyBanFile)
  const publish = (data: BanFileData) => {
    onPublish?.(data.bans)
    index = indexOf(data)
  }
  /** The text the file holds as far as we know (last read or written); undefined = no file. */
  let onDisk: string | undefined

  const nowSeconds = Effect.map(Clock.currentTimeMillis, toSeconds)
  const settlePeriod = settings.settle ?? Effect.succeed(DEFAULT_SETTLE)
  const auditEnabled = Effect.map(settings.current, (c) => c.enableAuditLog)

  const commit = (data: BanFileData) =>
    Effect.gen(function*() {
      const text = encodeBanFile(data)
      yield* writeBanText(path, text)
      onDisk = text
      publish(data)
    })

  /**
   * Under the lock: brings memory up to date with the file if something else changed it. A
   * changed file is read once it has settled (SettledRead.ts), and one that does not parse is
   * read again after another settle period before it counts: at start-up it then stops the
   * proxy (fail closed: no bans would let every banned player in); at run time it is moved
   * aside and the bans in memory, which stayed in force, are written back.
   */
  const syncFromDisk = (initial: boolean) =>
    Effect.gen(function*() {
      const first = yield* readBanText(path)
      if (Option.isSome(first) && first.value === onDisk) return
      const now = yield* nowSeconds
      const decode = (text: string) => decodeBanFile(text, now)
      const held = index.data.bans.length
      const settled = Option.isNone(first)
        ? Option.none()
        : initial && Result.isSuccess(decode(first.value))
        ? Option.some({ text: first.value, parsed: decode(first.value) })
        : yield* settledParse(readBanText(path), decode, yield* settlePeriod, first)
      if (Option.isNone(settled)) {
        if (onDisk === undefined || (held === 0 && index.data.audit.length === 0)) return
        yield* Effect.logWarning(`${path} was deleted; writing back the ${held} ban(s) held in memory`)
        return yield* commit(index.data)
      }
      const { parsed, text } = settled.value
      if (text === onDisk) return
      if (!initial && text.trim() === "" && held > 0) {
        // Emptied by hand with bans in force: more likely a save gone wrong than "unban everyone".
        return yield* Effect.logWarning(`${path} is empty; keeping the ${held} ban(s) in memory (lift bans one by one, or write {"bans": []})`)
      }
      if (Result.isFailure(parsed)) {
        if (initial) {
          return yield* new BanStoreError({
            path,
            operation: "load",
            detail: `${parsed.failure}; the proxy does not start with a corrupt ban file, which would let every banned player in: fix the file, or move it away to start with no bans`
          })
        }
        const aside = yield* setAside(path)
        onDisk = undefined
        yield* Effect.logError(
          `${path} is not a valid ban store (${parsed.failure}); it was moved to ${aside}; the ${held} ban(s) in memory are kept and written back`
        )
        return yield* commit(index.data)
      }
      const loaded = parsed.success
      if (initial) {
        onDisk = text
        publish(loaded)
        if (loaded.bans.length > 0) yield* Effect.logInfo(`loaded ${loaded.bans.length} ban(s) from ${path}`)
        return
      }
      const changes = diffAudit(index, loaded, now)
      const added = changes.filter((c) => c.action === "ban").length
      const audit = audited(loaded.audit, changes, yield* auditEnabled)
      if (audit === loaded.audit) {
        onDisk = text
        publish(loaded)
      } else {
        yield* commit({ bans: loaded.bans, audit })
      }
      yield* Effect.logInfo(`${path} was edited: ${added} ban(s) added or changed, ${changes.length - added} lifted`)
    })

  /**
   * Under the lock: `[ban] file` now names `file`. The bans in memory stay in force and are
   * carried over: merged with what the new file holds (its entry wins for a target both have)
   * and written there. A new file that does not parse (after settling) is moved aside first.
   */
  const switchTo = (file: string) =>
    Effect.gen(function*() {
      const carried = index.data
      path = file
      onDisk = undefined
      yield* ensureDirectory(file)
      const now = yield* nowSeconds
      const found = yield* readBanText(file)
      const settled = Option.isNone(found)
        ? Option.none()
        : yield* settledParse(readBanText(file), (text) => decodeBanFile(text, now), yield* settlePeriod, found)
      let there = emptyBanFile
      if (Option.isSome(settled)) {
        const { parsed, text } = settled.value
        if (Result.isSuccess(parsed)) {
          there = parsed.success
          onDisk = text
        } else {
          const aside = yield* setAside(file)
          yield* Effect.logError(`${file} is not a valid ban store (${parsed.failure}); it was moved to ${aside}`)
        }
      }
      const targets = new Set(there.bans.map((b) => targetKey(b.target)))
      const kept = carried.bans.filter((b) => !targets.has(targetKey(b.target)))
      const merged: BanFileData = { bans: [...there.bans, ...kept], audit: there.audit.length > 0 ? there.audit : carried.audit }
      if (kept.length > 0 || onDisk === undefined) yield* commit(merged)
      else publish(merged)
      yield* Effect.logInfo(`[ban] file is now ${file}: ${there.bans.length} ban(s) found there, ${kept.length} carried over from memory`)
    })

  /** Every disk access runs under the lock. */
  const locked = <A, E>(effect: Effect.Effect<A, E, FileSystem.FileSystem>) =>
    Semaphore.withPermit(lock)(Effect.provideService(effect, FileSystem.FileSystem, fs))

  /** Under the lock, against the file's latest state: plans a change, writes it, logs it. */
  const mutate = <A>(plan: (bans: ReadonlyArray<BanEntry>, now: number) => Change<A>) =>
    locked(Effect.gen(function*() {
      yield* syncFromDisk(false)
      const change = plan(index.data.bans, yield* Clock.currentTimeMillis)
      if (change.bans === undefined) return change.result
      yield* commit({ bans: change.bans, audit: audited(index.data.audit, change.records ?? [], yield* auditEnabled) })
      for (const line of change.logs ?? []) yield* Effect.logInfo(line)
      return change.result
    }))

  const reload = locked(syncFromDisk(false)).pipe(
    Effect.catch((e) => Effect.logWarning(`${e.message}; keeping the bans in memory`))
  )

  const parseTarget = (input: { readonly type: string; readonly value: string }) => {
    const parsed = parseBanTarget(input.type, input.value)
    return Result.isSuccess(parsed) ? Effect.succeed(parsed.success) : Effect.fail(new BanInputError({ detail: parsed.failure }))
  }

  const add = Effect.fn("BanList.add")(function*(input: BanInput) {
    const target = yield* parseTarget(input.target)
    if (input.reason !== undefined && input.reason.length > MAX_REASON_CHARS) {
      return yield* new BanInputError({ detail: `the reason is longer than ${MAX_REASON_CHARS} characters` })
    }
    if (input.duration !== undefined && Duration.toMillis(input.duration) <= 0) {
      return yield* new BanInputError({ detail: "the duration must be positive (leave it out for a permanent ban)" })
    }
    const source = input.source ?? "console"
    const entry = yield* mutate((bans, now) => {
      const entry: BanEntry = {
        target,
        reason: input.reason,
        expiresAt: input.duration === undefined ? undefined : Math.ceil((now + Duration.toMillis(input.duration)) / 1000),
        createdAt: toSeconds(now),
        source
      }
      const key = targetKey(target)
      return {
        result: entry,
        bans: [...bans.filter((b) => targetKey(b.target) !== key), entry],
        records: [{ action: "ban", target, reason: entry.reason, source, timestamp: entry.createdAt }],
        logs: [`ban added: ${describeTarget(target)} (${entry.reason ?? "no reason"}, ${describeExpiry(entry)}) by ${source}`]
      }
    })
    if (onChange !== undefined) yield* onChange({ _tag: "BanCreated", ban: entry })
    return entry
  })

  const remove = Effect.fn("BanList.remove")(function*(input: { readonly type: string; readonly value: string }, source = "console") {
    const target = yield* parseTarget(input)
    const removed = yield* mutate((bans, now): Change<boolean> => {
      const key = targetKey(target)
      const kept = bans.filter((b) => targetKey(b.target) !== key)
      if (kept.length === bans.length) return { result: false }
      return {
        result: true,
        bans: kept,
        records: [{ action: "unban", target, reason: undefined, source, timestamp: toSeconds(now) }],
        logs: [`ban lifted: ${describeTarget(target)} by ${source}`]
      }
    })
    if (removed && onChange !== undefined) yield* onChange({ _tag: "BanRemoved", target, source })
    return removed
  })

  const purgeExpired = mutate((bans, now): Change<number> => {
    const expired = bans.filter((b) => isExpired(b, now))
    if (expired.length === 0) return { result: 0 }
    const timestamp = toSeconds(now)
    return {
      result: expired.length,
      bans: bans.filter((b) => !isExpired(b, now)),
      records: expired.map((b): AuditEntry => ({ action: "expired", target: b.target, reason: b.reason, source: "system", timestamp })),
      logs: expired.map((b) => `ban expired: ${describeTarget(b.target)}`)
    }
  })

  const findNow = (lookup: BanLookup, now: number): BanEntry | undefined => lookupBan(index, lookup, now)
  const find = (lookup: BanLookup): Effect.Effect<Option.Option<BanEntry>> =>
    Effect.map(Clock.currentTimeMillis, (now) => Option.fromUndefinedOr(findNow(lookup, now)))

  const watcher = yield* FiberHandle.make()
  /** Watches `file` for hand edits (at start-up, and again when `[ban] file` changed). */
  const watch = (file: string) =>
    Effect.gen(function*() {
      yield* watchDirectory(fs, NodePath.dirname(file), {
        fileName: NodePath.basename(file),
        debounce: WATCH_DEBOUNCE,
        onChange: reload,
        what: `${file}: watching for hand edits`,
        log: Effect.logWarning
      }, (watch) => FiberHandle.run(watcher, watch))
      // An edit made between the first read and the watcher start is not lost.
      yield* reload
    })

  // At start-up a ban file that cannot be read or parsed fails the layer: the proxy does not start.
  yield* locked(Effect.gen(function*() {
    yield* ensureDirectory(path)
    yield* syncFromDisk(true)
  }))
  yield* watch(path)
  yield* settings.changes.pipe(
    Stream.map((c) => c.file),
    Stream.changes,
    Stream.drop(1),
    Stream.runForEach((file) =>
      locked(switchTo(file)).pipe(
        Effect.catch((e) => Effect.logError(`${e.message}; the bans in memory stay in force`)),
        Effect.andThen(watch(file))
      )
    ),
    Effect.forkScoped
  )
  yield* Effect.gen(function*() {
    const interval = (yield* settings.current).purgeInterval
    yield* Effect.sleep(Duration.max(interval, MIN_PURGE_INTERVAL))
    yield* purgeExpired.pipe(Effect.catch((e) => Effect.logWarning(`purging expired bans failed: ${e.message}`)))
  }).pipe(Effect.forever, Effect.forkScoped)

  return BanList.of({
    add,
    remove,
    list: Effect.map(Clock.currentTimeMillis, (now) => index.data.bans.filter((b) => !isExpired(b, now))),
    auditLog: Effect.sync(() => index.data.audit),
    find,
    findNow,
    purgeExpired,
    reload,
    path: Effect.sync(() => path)
  })
})

export class BanList extends Context.Service<BanList, BanListShape>()("infrarust/security/BanList") {
  /** A ban list following `settings` (tests pass a Ref-backed one). */
  static readonly make = make

  /**
   * Follows `[ban]` of the live global config; `onPublish` sees every new list (src/workers).
   * Every add and removal is announced on the event bus (`BanCreated`, `BanRemoved`).
   */
  static readonly layerWith = (onPublish?: OnPublish) =>
    Layer.effect(
      BanList,
      Effect.gen(function*() {
        const store = yield* ProxyConfigStore
        const events = yield* Events
        return yield* make({
          current: Effect.map(SubscriptionRef.get(store.config), (c) => c.ban),
          changes: Stream.map(SubscriptionRef.changes(store.config), (c) => c.ban),
          settle: Effect.map(SubscriptionRef.get(store.config), (c) => c.fileSettle)
        }, onPublish, (change) => events.notify(change))
      })
    )

  /** Follows `[ban]` of the live global config. */
  static readonly layer = BanList.layerWith()
}

