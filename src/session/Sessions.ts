/**
 * The registry of live player sessions (logins that reached a backend).
 *
 * A session is registered in the connection's Scope and removed when that scope closes, so
 * the counts can never drift from the connections that actually exist. Counts per server and
 * per backend address feed `max_players`, the `least_players` balancer, MOTD player counts
 * and metrics; `kick` interrupts the session's fiber (its scope then closes both sockets).
 */
import { Clock, Context, Effect, Fiber, Layer, Metric, Option, Scope } from "effect"
import { playersOnline, tagged } from "../observability/Metrics.ts"

export interface SessionInfo {
  readonly id: number
  /** The client's address after PROXY protocol resolution. */
  readonly client: string
  readonly player: string
  readonly uuid?: string | undefined
  readonly serverId: string
  /** The backend address ("host:port") the session is relayed to. */
  readonly backend: string
  readonly protocolVersion: number
  readonly mode: string
  readonly startedAt: number
}

interface Entry {
  readonly info: SessionInfo
  readonly fiber: Fiber.Fiber<unknown, unknown>
}

/** Adds `delta` to the count of `key`; a count that reaches 0 leaves the map. */
export const bump = (map: Map<string, number>, key: string, delta: number): void => {
  const next = (map.get(key) ?? 0) + delta
  if (next <= 0) map.delete(key)
  else map.set(key, next)
}

type SessionsShape = Sessions["Service"]

/** `register` is `registerWithin` without a limit, which always registers (in a worker too). */
export const registerOf = (registerWithin: SessionsShape["registerWithin"]): SessionsShape["register"] => (partial) =>
  Effect.flatMap(registerWithin(partial, 0), (added) =>
    Option.isSome(added) ? Effect.succeed(added.value) : Effect.die("a session without a limit was refused"))

export class Sessions extends Context.Service<Sessions, {
  /** Registers the calling fiber's session until the current Scope closes. */
  readonly register: (info: Omit<SessionInfo, "id" | "startedAt">) => Effect.Effect<SessionInfo, never, Scope.Scope>
  /**
   * Like `register`, unless the server already has `maxPlayers` sessions (`max_players`;
   * 0 = no limit): then nothing is registered and the result is None. The check and the
   * insert are one synchronous step, so two logins can never both take the last slot.
   */
  readonly registerWithin: (
    info: Omit<SessionInfo, "id" | "startedAt">,
    maxPlayers: number
  ) => Effect.Effect<Option.Option<SessionInfo>, never, Scope.Scope>
  /**
   * Counts are Effects so that a worker thread can ask the coordinator, which holds the
   * registry for every worker (src/workers/): there is no local copy to go stale.
   */
  readonly total: Effect.Effect<number>
  readonly countForServer: (serverId: string) => Effect.Effect<number>
  readonly countForBackend: (address: string) => Effect.Effect<number>
  readonly list: Effect.Effect<ReadonlyArray<SessionInfo>>
  /** Interrupts the session; false if there is no such session. */
  readonly kick: (id: number) => Effect.Effect<boolean>
}>()("infrarust/services/Sessions") {
  static readonly layer = Layer.sync(Sessions, () => {
    const entries = new Map<number, Entry>()
    const perServer = new Map<string, number>()
    const perBackend = new Map<string, number>()
    let nextId = 1
    /** `infrarust.players.online` {server} follows the count, so it can never drift. */
    const publishPlayers = (server: string) =>
      Effect.suspend(() => Metric.update(tagged(playersOnline, { server }), perServer.get(server) ?? 0))
    const registerWithin = (partial: Omit<SessionInfo, "id" | "startedAt">, maxPlayers: number) =>
      Effect.gen(function*() {
        const startedAt = yield* Clock.currentTimeMillis
        const fiber = yield* Effect.fiber
        const scope = yield* Scope.Scope
        // On the scope itself (not `acquireRelease`): the release keeps no copy of the
        // registering fiber's context alive for the whole session.
        const added = yield* Effect.uninterruptible(Effect.suspend(() => {
          if (maxPlayers > 0 && (perServer.get(partial.serverId) ?? 0) >= maxPlayers) return Effect.succeedNone
          const info: SessionInfo = { ...partial, id: nextId++, startedAt }
          entries.set(info.id, { info, fiber })
          bump(perServer, info.serverId, 1)
          bump(perBackend, info.backend, 1)
          return Effect.as(
            Scope.addFinalizer(
              scope,
              Effect.sync(() => {
                entries.delete(info.id)
                bump(perServer, info.serverId, -1)
                bump(perBackend, info.backend, -1)
              }).pipe(Effect.andThen(publishPlayers(info.serverId)))
            ),
            Option.some(info)
          )
        }))
        if (Option.isSome(added)) yield* publishPlayers(added.value.serverId)
        return added
      })
    return Sessions.of({
      register: registerOf(registerWithin),
      registerWithin,
      total: Effect.sync(() => entries.size),
      countForServer: (serverId) => Effect.sync(() => perServer.get(serverId) ?? 0),
      countForBackend: (address) => Effect.sync(() => perBackend.get(address) ?? 0),
      list: Effect.sync(() => Array.from(entries.values(), (e) => e.info)),
      kick: (id) =>
        Effect.suspend(() => {
          const entry = entries.get(id)
          return entry === undefined ? Effect.succeed(false) : Effect.as(Fiber.interrupt(entry.fiber), true)
        })
    })
  })
}
