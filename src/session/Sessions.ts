/**
 * The registry of live player sessions, keyed by session id, with lookups by UUID and by name
 * (any case).
 *
 * A session is registered in a Scope and removed when that scope closes, so the counts can never
 * drift from the sessions that exist. Counts per server and per backend address follow each
 * session's state (Session.ts) and feed `max_players`, the `least_players` balancer, MOTD player
 * counts and metrics; `kick` interrupts the fiber that opened the session (its scopes then close
 * both sockets).
 *
 * A second session with the same UUID ends the older one when the newer identity is verified
 * (offline name or online authentication: see `replacesOlder`): the older session's removal
 * deletes only its own entry, so the newer one stays (Infrarust's registry removed the newer one).
 * A `claimed` UUID (forwarding modes) never ends anyone: the backend authenticates, and anyone can
 * claim anyone's UUID in a login start.
 */
import { Clock, Context, Effect, Fiber, Layer, Option, Scope } from "effect"
import { playersOnline, taggedBy } from "../observability/Metrics.ts"
import type { PlayerAction, SwitchOutcome } from "./PlayerAction.ts"
import { localSessionIds, type SessionIds } from "./SessionIds.ts"
import { backendOf, newSessionInfo, replacesOlder, type SessionInfo, type SessionInit, type SessionState, serverOf } from "./Session.ts"

export type { SessionInfo } from "./Session.ts"

/**
 * How a session takes actions (messages, titles, kicks with a reason): set by the session's mode
 * while it can carry them (an intercepted session in its loop); absent or unset otherwise.
 */
export interface ActorSlot {
  act: ((action: PlayerAction) => Effect.Effect<boolean>) | undefined
  /** A switch with its reason (in the session's own thread); `act({ _tag: "Switch" })` without it. */
  switchTo?: ((server: string) => Effect.Effect<SwitchOutcome>) | undefined
}

/** A switch outcome from a session that can only say yes or no (`act`, e.g. across worker threads). */
export const outcomeOfAct = (server: string, switched: boolean): SwitchOutcome =>
  switched ? { _tag: "Switched", server } : { _tag: "Refused", reason: "the switch was refused or failed" }

interface Entry {
  info: SessionInfo
  readonly fiber: Fiber.Fiber<unknown, unknown>
  readonly actor: ActorSlot | undefined
}

/** Adds `delta` to the count of `key`; a count that reaches 0 leaves the map. */
export const bump = (map: Map<string, number>, key: string | undefined, delta: number): void => {
  if (key === undefined) return
  const next = (map.get(key) ?? 0) + delta
  if (next <= 0) map.delete(key)
  else map.set(key, next)
}

const nameKey = (name: string) => name.toLowerCase()

const playersOnlineOf = taggedBy(playersOnline, "server")

/** What a player replaced by a newer login of the same account reads (vanilla's words). */
const REPLACED = "You logged in from another location"

export class Sessions extends Context.Service<Sessions, {
  /**
   * Registers the calling fiber's session in `state` until the current Scope closes, unless the
   * server it counts against already has `maxPlayers` sessions (`max_players`; 0 = no limit):
   * then nothing is registered and the result is None. Check and insert are one synchronous step,
   * so two logins can never both take the last slot.
   */
  readonly open: (
    init: SessionInit,
    state: SessionState,
    maxPlayers: number,
    actor?: ActorSlot,
    /** The id and start time a worker thread already gave the session (SessionIds.ts). */
    named?: { readonly id: number; readonly startedAt: number }
  ) => Effect.Effect<Option.Option<SessionInfo>, never, Scope.Scope>
  /**
   * Moves a session to `state`, within `maxPlayers` of the server it will count against (when
   * that server changes). False when that server is full (the state is then unchanged) or the
   * session is gone.
   */
  readonly transition: (id: number, state: SessionState, maxPlayers: number) => Effect.Effect<boolean>
  /**
   * Counts and lookups are Effects so that a worker thread can ask the coordinator, which holds
   * the registry for every worker (src/workers/): there is no local copy to go stale.
   */
  readonly total: Effect.Effect<number>
  readonly countForServer: (serverId: string) => Effect.Effect<number>
  readonly countForBackend: (address: string) => Effect.Effect<number>
  readonly list: Effect.Effect<ReadonlyArray<SessionInfo>>
  readonly get: (id: number) => Effect.Effect<Option.Option<SessionInfo>>
  /** The newest session of a player name, in any case. */
  readonly findByName: (name: string) => Effect.Effect<Option.Option<SessionInfo>>
  /** The newest session of a UUID. */
  readonly findByUuid: (uuid: string) => Effect.Effect<Option.Option<SessionInfo>>
  /**
   * Ends the session: with a disconnect showing `reason` when its mode can write one, else by
   * closing its connection. False if there is no such session.
   */
  readonly kick: (id: number, reason?: string) => Effect.Effect<boolean>
  /** Asks the session to act; false when there is no such session or it cannot (forwarding modes). */
  readonly act: (id: number, action: PlayerAction) => Effect.Effect<boolean>
  /** Moves the player to `server` (intercepted sessions); completes when the switch is over. */
  readonly switchTo: (id: number, server: string) => Effect.Effect<SwitchOutcome>
}>()("infrarust/session/Sessions") {
  static readonly layer = Sessions.layerWith(undefined)

  /** {@link layer} with ids from `ids` (shared with worker threads); undefined = its own count. */
  static layerWith(ids: SessionIds | undefined) {
    return Layer.sync(Sessions, () => makeSessions(ids ?? localSessionIds()))
  }
}

/** The id a registration took, once it took one. */
interface Slot {
  id: number | undefined
}

/**
 * The registration's finalizer, made at the top level: a closure made inside `open` would keep
 * its arguments (the login's init and first state) alive for the whole session.
 */
const removalOf = (remove: (id: number) => Effect.Effect<void>, slot: Slot) => () =>
  slot.id === undefined ? Effect.void : remove(slot.id)

const makeSessions = (ids: SessionIds): Sessions["Service"] => {
  const entries = new Map<number, Entry>()
  const perServer = new Map<string, number>()
  const perBackend = new Map<string, number>()
  const byName = new Map<string, Set<number>>()
  const byUuid = new Map<string, Set<number>>()

  const index = (map: Map<string, Set<number>>, key: string | undefined, id: number, add: boolean) => {
    if (key === undefined) return
    const ids = map.get(key)
    if (add) {
      if (ids === undefined) map.set(key, new Set([id]))
      else ids.add(id)
    } else if (ids !== undefined) {
      ids.delete(id)
      if (ids.size === 0) map.delete(key)
    }
  }
  const newest = (ids: Set<number> | undefined): Option.Option<SessionInfo> => {
    let best: number | undefined
    for (const id of ids ?? []) if (best === undefined || id > best) best = id
    return best === undefined ? Option.none() : Option.some(entries.get(best)!.info)
  }
  /** `infrarust.players.online` {server} follows the count, so it can never drift. */
  const publishPlayers = (server: string | undefined, context: Context.Context<never>) => {
    if (server !== undefined) playersOnlineOf(server).updateUnsafe(perServer.get(server) ?? 0, context)
  }
  const full = (server: string | undefined, maxPlayers: number) =>
    server !== undefined && maxPlayers > 0 && (perServer.get(server) ?? 0) >= maxPlayers
  const count = (state: SessionState, delta: number) => {
    bump(perServer, serverOf(state), delta)
    bump(perBackend, backendOf(state), delta)
  }

  const remove = (id: number) =>
    Effect.withFiber((fiber) => {
      const entry = entries.get(id)
      if (entry === undefined) return Effect.void
      entries.delete(id)
      count(entry.info.state, -1)
      index(byName, nameKey(entry.info.player), id, false)
      index(byUuid, entry.info.uuid, id, false)
      publishPlayers(serverOf(entry.info.state), fiber.context)
      return Effect.void
    })

  /** Older sessions of a verified UUID end, with vanilla's words where they can be shown; the caller does not wait. */
  const endOlder = (uuid: string, newer: number) =>
    Effect.forEach(
      Array.from(byUuid.get(uuid) ?? []).filter((id) => id !== newer),
      (id) => Effect.asVoid(Effect.forkDetach(kick(id, REPLACED))),
      { discard: true }
    )

  const kick = (id: number, reason?: string): Effect.Effect<boolean> =>
    Effect.suspend(() => {
      const entry = entries.get(id)
      if (entry === undefined) return Effect.succeed(false)
      const act = entry.actor?.act
      const interrupt = Effect.as(Fiber.interrupt(entry.fiber), true)
      if (act === undefined) return interrupt
      // A session that cannot say it any more (its loop just ended) is closed all the same.
      return Effect.flatMap(act({ _tag: "Kick", reason: reason ?? "Kicked" }), (done) => (done ? Effect.succeed(true) : interrupt))
    })

  const open = (
    init: SessionInit,
    state: SessionState,
    maxPlayers: number,
    actor?: ActorSlot,
    named?: { readonly id: number; readonly startedAt: number }
  ): Effect.Effect<Option.Option<SessionInfo>, never, Scope.Scope> =>
    Effect.flatMap(Scope.Scope, (scope) => {
      const slot: Slot = { id: undefined }
      // The removal is registered before the entry exists, so no interruption can fall between
      // them; on the scope itself (not `acquireRelease`), it keeps no copy of the registering
      // fiber's context alive for the whole session.
      return Effect.andThen(
        Scope.addFinalizerExit(scope, removalOf(remove, slot)),
        Effect.withFiber((fiber) => {
          // Check and insert in one synchronous step: two logins never both take the last slot.
          if (full(serverOf(state), maxPlayers)) return Effect.succeedNone
          const startedAt = named?.startedAt ?? fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
          const info = newSessionInfo(init, named?.id ?? ids(), startedAt, state)
          slot.id = info.id
          entries.set(info.id, { info, fiber, actor })
          count(state, 1)
          index(byName, nameKey(info.player), info.id, true)
          index(byUuid, info.uuid, info.id, true)
          publishPlayers(serverOf(state), fiber.context)
          const added = Effect.succeedSome(info)
          return replacesOlder(init) ? Effect.andThen(endOlder(init.uuid!, info.id), added) : added
        })
      )
    })

  const transition = (id: number, state: SessionState, maxPlayers: number) =>
    Effect.suspend(() => {
      const entry = entries.get(id)
      if (entry === undefined) return Effect.succeed(false)
      const before = serverOf(entry.info.state)
      const after = serverOf(state)
      if (after !== before && full(after, maxPlayers)) return Effect.succeed(false)
      count(entry.info.state, -1)
      count(state, 1)
      entry.info = { ...entry.info, state, lastServer: after ?? entry.info.lastServer }
      if (before === after) return Effect.succeed(true)
      return Effect.withFiber((fiber) => {
        publishPlayers(before, fiber.context)
        publishPlayers(after, fiber.context)
        return Effect.succeed(true)
      })
    })

  return Sessions.of({
    open,
    transition,
    total: Effect.sync(() => entries.size),
    countForServer: (serverId) => Effect.sync(() => perServer.get(serverId) ?? 0),
    countForBackend: (address) => Effect.sync(() => perBackend.get(address) ?? 0),
    list: Effect.sync(() => Array.from(entries.values(), (e) => e.info)),
    get: (id) => Effect.sync(() => Option.fromUndefinedOr(entries.get(id)?.info)),
    findByName: (name) => Effect.sync(() => newest(byName.get(nameKey(name)))),
    findByUuid: (uuid) => Effect.sync(() => newest(byUuid.get(uuid))),
    kick,
    act: (id, action) =>
      Effect.suspend(() => {
        const act = entries.get(id)?.actor?.act
        return act === undefined ? Effect.succeed(false) : act(action)
      }),
    switchTo: (id, server) =>
      Effect.suspend((): Effect.Effect<SwitchOutcome> => {
        const entry = entries.get(id)
        if (entry === undefined) return Effect.succeed({ _tag: "NotFound" })
        const actor = entry.actor
        if (actor?.switchTo !== undefined) return actor.switchTo(server)
        if (actor?.act === undefined) return Effect.succeed({ _tag: "NotIntercepted" })
        return Effect.map(actor.act({ _tag: "Switch", server }), (ok) => outcomeOfAct(server, ok))
      })
  })
}
