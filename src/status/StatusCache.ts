/**
 * The status cache: backend status responses kept per (server id, client protocol bucket), so
 * a flood of server-list pings reaches a backend at most once per `ttl` per key.
 *
 * Invariants it guards:
 * - one backend fetch at a time per key: concurrent lookups share it (single-flight);
 * - an expired entry is answered at once while one refresh runs (stale-while-revalidate), and
 *   never later than `ttl + grace` after the backend gave it;
 * - a failed fetch is remembered for `ttl` per *server*: meanwhile no key of that server starts
 *   another fetch (a down backend is not hammered once per protocol), the last good response
 *   is served within its grace, and after that the caller shows its MOTD;
 * - a fresh entry of another protocol bucket answers when its backend's version name covers
 *   the client's release ("compatible by name", see StatusSnapshot.ts);
 * - at most `max_entries` entries, least recently used evicted first. Entries whose fetch is
 *   running are not evicted, so the fetches in flight may briefly exceed the bound.
 *
 * Fetches run in the cache's own Scope, not the pinging connection's: a client that hangs up
 * does not cancel the fetch other pings wait for. The fetch is the caller's effect, already
 * bounded by `[limits] status_timeout` (StatusService).
 *
 * A Layer of its own so a test or a plugin can swap it; StatusService uses only this interface.
 */
import { Clock, Context, Deferred, Duration, Effect, Layer, type Scope, SubscriptionRef } from "effect"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import type { StatusSnapshot } from "./StatusSnapshot.ts"

export interface CachePolicy {
  readonly ttl: Duration.Duration
  /** How long after `ttl` a response may still be served (while refreshing, or while the backend is down). */
  readonly grace: Duration.Duration
  readonly maxEntries: number
}

export interface CacheKey {
  readonly server: string
  /** The protocol bucket (`protocolBucket` in StatusSnapshot.ts). */
  readonly protocol: number
}

/** What one backend fetch produced. */
export type FetchOutcome =
  | { readonly _tag: "Status"; readonly snapshot: StatusSnapshot }
  /** A fetch was made and no backend answered in time. */
  | { readonly _tag: "Unreachable" }
  /** Known down without trying: no backend is a status candidate. */
  | { readonly _tag: "Offline" }

/** A fresh cached response and when its backend gave it (Clock millis). */
export interface FreshResponse {
  readonly snapshot: StatusSnapshot
  readonly at: number
}

/** `hit`: answered from the cache; `stale`: an expired response within grace; `miss`: waited for a fetch. */
export type LookupSource = "hit" | "stale" | "miss"

export interface Lookup {
  readonly source: LookupSource
  readonly outcome: FetchOutcome
}

export const UNREACHABLE: FetchOutcome = { _tag: "Unreachable" }
export const OFFLINE: FetchOutcome = { _tag: "Offline" }

export class StatusCache extends Context.Service<StatusCache, {
  /** The answer for `key`, running `fetch` when nothing usable is cached. Never fails. */
  readonly lookup: (key: CacheKey, fetch: Effect.Effect<FetchOutcome>) => Effect.Effect<Lookup>
  /** The answer for `key` if one is at hand; never fetches, never starts a refresh. */
  readonly peek: (key: CacheKey) => Effect.Effect<Lookup | undefined>
  /**
   * A fresh response for `key` at `now` under `policy` (the live config's `[status_cache]`),
   * synchronously, for the cached-status shortcut; a stale, failed or missing entry is
   * undefined: those take {@link lookup}.
   */
  readonly freshNow: (key: CacheKey, now: number, policy: CachePolicy) => FreshResponse | undefined
  /** Drops every entry of a server (its config changed or it was removed). */
  readonly invalidateServer: (server: string) => Effect.Effect<void>
  readonly size: Effect.Effect<number>
}>()("infrarust/status/StatusCache") {
  /** `[status_cache]` of the live config: edits to ttl, grace and max_entries apply from the next lookup. */
  static readonly layer = Layer.effect(
    StatusCache,
    Effect.gen(function*() {
      const config = yield* ProxyConfigStore
      return yield* makeStatusCache(Effect.map(SubscriptionRef.get(config.config), (c) => c.statusCache))
    })
  )

  /** A cache with a fixed policy (tests, embedding). */
  static readonly layerWith = (policy: CachePolicy) => Layer.effect(StatusCache, makeStatusCache(Effect.succeed(policy)))
}

interface Entry {
  readonly id: string
  readonly key: CacheKey
  /** The last good response and when it arrived (Clock millis). */
  good: StatusSnapshot | undefined
  goodAt: number
  inflight: Deferred.Deferred<FetchOutcome> | undefined
}

interface ServerRecord {
  readonly entries: Set<Entry>
  /** The last fetch failed: no key of the server fetches again before `until`. */
  failure: { readonly outcome: FetchOutcome; readonly until: number } | undefined
}

type Decision =
  | { readonly _tag: "Answer"; readonly lookup: Lookup; readonly refresh: Entry | undefined }
  | { readonly _tag: "Wait"; readonly entry: Entry; readonly deferred: Deferred.Deferred<FetchOutcome>; readonly start: boolean }

const entryId = (key: CacheKey): string => `${key.server}\u0000${key.protocol}`

const answer = (source: LookupSource, snapshot: StatusSnapshot): Lookup => ({ source, outcome: { _tag: "Status", snapshot } })

export const makeStatusCache = (
  policyOf: Effect.Effect<CachePolicy>
): Effect.Effect<StatusCache["Service"], never, Scope.Scope> =>
  Effect.gen(function*() {
    const scope = yield* Effect.scope
    // Insertion order is recency: a used entry is re-inserted at the end.
    const entries = new Map<string, Entry>()
    const servers = new Map<string, ServerRecord>()

    const recordOf = (server: string): ServerRecord => {
      let record = servers.get(server)
      if (record === undefined) servers.set(server, record = { entries: new Set(), failure: undefined })
      return record
    }

    const touch = (entry: Entry) => {
      entries.delete(entry.id)
      entries.set(entry.id, entry)
    }

    const remove = (entry: Entry) => {
      entries.delete(entry.id)
      const record = servers.get(entry.key.server)
      if (record === undefined) return
      record.entries.delete(entry)
      if (record.entries.size === 0 && record.failure === undefined) servers.delete(entry.key.server)
    }

    const evict = (maxEntries: number) => {
      if (entries.size <= maxEntries) return
      for (const entry of entries.values()) {
        if (entries.size <= maxEntries) return
        if (entry.inflight === undefined) remove(entry)
      }
    }

    /** A fresh response of another bucket whose backend's version name covers `key.protocol`. */
    const freshSibling = (record: ServerRecord | undefined, key: CacheKey, now: number, ttl: number) => {
      if (record === undefined) return undefined
      for (const entry of record.entries) {
        if (entry.good !== undefined && now - entry.goodAt < ttl && entry.good.covers(key.protocol)) return entry
      }
      return undefined
    }

    /** What the cache can answer without a fetch; `lookup` undefined = a fetch is needed; `at`: when the answer's response arrived. */
    const answerAtHand = (key: CacheKey, now: number, ttl: number, grace: number) => {
      const entry = entries.get(entryId(key))
      if (entry !== undefined) touch(entry)
      const good = entry?.good
      const age = entry === undefined ? Infinity : now - entry.goodAt
      if (entry !== undefined && good !== undefined && age < ttl) return { entry, lookup: answer("hit", good), at: entry.goodAt }
      const record = servers.get(key.server)
      const sibling = freshSibling(record, key, now, ttl)
      if (sibling?.good !== undefined) {
        touch(sibling)
        return { entry, lookup: answer("hit", sibling.good), at: sibling.goodAt }
      }
      if (record?.failure !== undefined && now >= record.failure.until) record.failure = undefined
      const usable = good !== undefined && age < ttl + grace ? good : undefined
      const failure = record?.failure
      if (failure !== undefined) {
        // Grace: while the backend is down its last good response stands in (never for "offline").
        if (usable !== undefined && failure.outcome._tag === "Unreachable") return { entry, lookup: answer("stale", usable), at: 0 }
        return { entry, lookup: { source: "hit", outcome: failure.outcome } satisfies Lookup, at: 0 }
      }
      if (usable !== undefined) return { entry, lookup: answer("stale", usable), at: 0 }
      return { entry, lookup: undefined, at: 0 }
    }

    const store = (entry: Entry, outcome: FetchOutcome, now: number, policy: CachePolicy) => {
      entry.inflight = undefined
      // Invalidated while fetching: the answer goes to the waiters only.
      if (entries.get(entry.id) !== entry) return
      const record = recordOf(entry.key.server)
      if (outcome._tag === "Status") {
        entry.good = outcome.snapshot
        entry.goodAt = now
        record.failure = undefined
      } else {
        record.failure = { outcome, until: now + Duration.toMillis(policy.ttl) }
        if (outcome._tag === "Offline") for (const e of record.entries) e.good = undefined
        // An entry without a response holds nothing the server record does not.
        if (entry.good === undefined) remove(entry)
      }
      evict(policy.maxEntries)
    }

    const startFetch = (entry: Entry, deferred: Deferred.Deferred<FetchOutcome>, fetch: Effect.Effect<FetchOutcome>) =>
      fetch.pipe(
        Effect.onExit((exit) =>
          Effect.gen(function*() {
            const outcome = exit._tag === "Success" ? exit.value : UNREACHABLE
            const now = yield* Clock.currentTimeMillis
            store(entry, outcome, now, yield* policyOf)
            yield* Deferred.succeed(deferred, outcome)
          })
        ),
        Effect.forkIn(scope),
        Effect.asVoid
      )

    /** The whole decision is synchronous, so no other fiber can interleave between check and claim. */
    const decide = (key: CacheKey, now: number, policy: CachePolicy): Decision => {
      const { entry, lookup } = answerAtHand(key, now, Duration.toMillis(policy.ttl), Duration.toMillis(policy.grace))
      if (lookup !== undefined) {
        const refresh = lookup.source === "stale" && entry !== undefined && entry.inflight === undefined &&
            servers.get(key.server)?.failure === undefined
          ? entry
          : undefined
        if (refresh !== undefined) refresh.inflight = Deferred.makeUnsafe<FetchOutcome>()
        return { _tag: "Answer", lookup, refresh }
      }
      let target = entry
      if (target === undefined) {
        target = { id: entryId(key), key, good: undefined, goodAt: 0, inflight: undefined }
        entries.set(target.id, target)
        recordOf(key.server).entries.add(target)
      }
      if (target.inflight !== undefined) return { _tag: "Wait", entry: target, deferred: target.inflight, start: false }
      const deferred = target.inflight = Deferred.makeUnsafe<FetchOutcome>()
      evict(policy.maxEntries)
      return { _tag: "Wait", entry: target, deferred, start: true }
    }

    const lookup = (key: CacheKey, fetch: Effect.Effect<FetchOutcome>): Effect.Effect<Lookup> =>
      Effect.gen(function*() {
        const policy = yield* policyOf
        const decision = decide(key, yield* Clock.currentTimeMillis, policy)
        if (decision._tag === "Answer") {
          if (decision.refresh?.inflight !== undefined) yield* startFetch(decision.refresh, decision.refresh.inflight, fetch)
          return decision.lookup
        }
        if (decision.start) yield* startFetch(decision.entry, decision.deferred, fetch)
        const outcome = yield* Deferred.await(decision.deferred)
        return { source: "miss", outcome } satisfies Lookup
      })

    const peek = (key: CacheKey): Effect.Effect<Lookup | undefined> =>
      Effect.gen(function*() {
        const policy = yield* policyOf
        const now = yield* Clock.currentTimeMillis
        return answerAtHand(key, now, Duration.toMillis(policy.ttl), Duration.toMillis(policy.grace)).lookup
      })

    const freshNow = (key: CacheKey, now: number, policy: CachePolicy): FreshResponse | undefined => {
      const { at, lookup: found } = answerAtHand(key, now, Duration.toMillis(policy.ttl), Duration.toMillis(policy.grace))
      return found?.source === "hit" && found.outcome._tag === "Status" ? { snapshot: found.outcome.snapshot, at } : undefined
    }

    const invalidateServer = (server: string) =>
      Effect.sync(() => {
        const record = servers.get(server)
        if (record === undefined) return
        for (const entry of record.entries) entries.delete(entry.id)
        servers.delete(server)
      })

    return StatusCache.of({
      lookup,
      peek,
      freshNow,
      invalidateServer,
      size: Effect.sync(() => entries.size)
    })
  })
