/**
 * Opening a player session, the same way in every mode: a scope of its own (a child of the
 * connection's), an entry in the registry (against `max_players` of the server it counts for),
 * and, when the scope closes, the Disconnect event with the last server — fired before the entry
 * leaves the registry, so listeners can still look the player up.
 *
 * Disconnect fires only for a session that *joined*: it reached a server (forwarding modes) or
 * finished logging in with the proxy (intercepted modes). A login refused before that (a plugin's
 * Denied, a full server, no backend) was never a player on the network, so it leaves no trace in
 * the event stream but its log line.
 *
 * The backend connection is not part of the session scope itself but of a *leg*, a child scope
 * that can be closed and replaced (server switching, limbo) without ending the player's session.
 */
import { Context, Effect, Exit, Option, Scope } from "effect"
import type { PlayerRef } from "../event/ProxyEvent.ts"
import { Events } from "../event/EventBus.ts"
import { type SessionInfo, type SessionInit, type SessionState, serverOf } from "../session/Session.ts"
import { type ActorSlot, Sessions } from "../session/Sessions.ts"

export interface LiveSession {
  readonly info: SessionInfo
  readonly player: PlayerRef
  /** What lives as long as the session (its own scope, or the connection's: see `openSession`). */
  readonly scope: Scope.Scope
  /** The state as this session last set it (the registry holds the same, maybe in another thread). */
  readonly state: () => SessionState
  /** Moves to `state` within `maxPlayers` of the server it then counts against; false when full. */
  readonly transition: (state: SessionState, maxPlayers: number) => Effect.Effect<boolean>
  /** A new leg for a backend connection; closing it leaves the session open. */
  readonly openLeg: Effect.Effect<Scope.Closeable>
  /** The player is on the network now: its end will fire Disconnect. */
  readonly joined: Effect.Effect<void>
}

export const playerRef = (info: SessionInfo): PlayerRef => ({
  session: info.id,
  name: info.player,
  uuid: info.uuid,
  identity: info.identity,
  client: info.client,
  protocolVersion: info.protocolVersion,
  mode: info.mode
})

/**
 * Registers the session; None when its server is full. `scope`: "child" gives the session a new
 * child of the current scope, which it can outlive parts of the connection with (intercepted
 * modes fork into it); "current" uses the connection's own, for a session that ends exactly when
 * the connection does (the forwarding modes: one scope less for every idle player).
 */
export const openSession = (
  init: SessionInit,
  state: SessionState,
  maxPlayers: number,
  actor?: ActorSlot,
  scope: "child" | "current" = "child"
): Effect.Effect<Option.Option<LiveSession>, never, Sessions | Events | Scope.Scope> =>
  // Few steps (every login opens one): the services from the fiber, the scope forked in place.
  Effect.withFiber((fiber) => {
    const sessions = Context.getUnsafe(fiber.context, Sessions)
    const events = Context.getUnsafe(fiber.context, Events)
    const current = Context.getUnsafe(fiber.context, Scope.Scope)
    const own = scope === "child" ? Scope.forkUnsafe(current) : undefined
    const inScope = own ?? current
    return Effect.flatMap(Scope.provide(sessions.open(init, state, maxPlayers, actor), inScope), (opened) =>
      Option.isSome(opened)
        ? liveSession(opened.value, state, inScope, sessions, events)
        : own === undefined
        ? Effect.succeedNone
        : Effect.as(Scope.close(own, Exit.void), Option.none<LiveSession>()))
  })

const liveSession = (
  info: SessionInfo,
  state: SessionState,
  scope: Scope.Scope,
  sessions: Sessions["Service"],
  events: Events["Service"]
): Effect.Effect<Option.Option<LiveSession>> => {
  const player = playerRef(info)
  // The closures below keep the id, not `info`: the registry replaces its info at every
  // transition, and the first one would otherwise stay alive for the whole session.
  const id = info.id
  let current = state
  let lastServer = serverOf(state)
  let hasJoined = false
  const session: LiveSession = {
    info,
    player,
    scope,
    state: () => current,
    transition: (next, max) =>
      Effect.map(sessions.transition(id, next, max), (moved) => {
        if (moved) {
          current = next
          lastServer = serverOf(next) ?? lastServer
        }
        return moved
      }),
    openLeg: Scope.fork(scope),
    joined: Effect.sync(() => {
      hasJoined = true
    })
  }
  // Added after the registration, so it runs before the entry is removed.
  return Effect.as(
    Scope.addFinalizerExit(
      scope,
      () => (hasJoined ? events.fire({ _tag: "Disconnect", player, lastServer }, undefined) : Effect.void)
    ),
    Option.some(session)
  )
}
