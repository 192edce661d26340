/**
 * The Effect half of a server switch (reference §2.14 steps 1–5): whether the player may go,
 * and the login to the new backend, while the player keeps playing on the old one.
 *
 * Rules, in order; each refusal is a value whose text the player reads after
 * "Server switch failed: ":
 * 1. the target exists (`unknown server: <id>`) and is not where the player is;
 * 2. networks (config/Networks.ts): both servers name the same non-empty `network`; a server
 *    without one is isolated. A player leaving the limbo skips rules 1–2: the limbo's handlers
 *    chose the target;
 * 3. ServerPreConnect (previous = the current server): Denied refuses, ConnectTo redirects (the
 *    new target passes rules 1–2 again, without a second event), SendToLimbo answers ToLimbo
 *    (the caller opens the limbo; refused for a player already leaving one, so two plugins
 *    cannot bounce it between them);
 * 4. the target's `[ip_filter]` and `max_players`;
 * 5. the backend login with forwarding (BackendJoin.ts), then ServerConnected.
 * The registry shows the player as Switching(S → T) during step 5.
 */
import { Effect, Exit, Scope } from "effect"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import { networkRefusal } from "../../config/Networks.ts"
import { Events } from "../../event/EventBus.ts"
import { ALLOWED, type PreConnectResult } from "../../event/ProxyEvent.ts"
import type { GameProfile } from "../../protocol/GameProfile.ts"
import type { PacketTable } from "../../protocol/PacketIds.ts"
import { Router } from "../../routing/Router.ts"
import { admitToServer } from "../../security/Admission.ts"
import type { HandshakeContext } from "../../session/ConnectionContext.ts"
import { Sessions } from "../../session/Sessions.ts"
import type { LiveSession } from "../LiveSession.ts"
import type { LimboVisit } from "../../limbo/Limbo.ts"
import { type BackendLeg } from "./BackendLeg.ts"
import { joinBackend } from "./BackendJoin.ts"
import { acknowledgeBackendLogin } from "./BackendLogin.ts"

export interface SwitchContext {
  readonly ctx: HandshakeContext
  readonly session: LiveSession
  readonly profile: GameProfile
  readonly table: PacketTable
}

export type Prepared =
  | { readonly _tag: "Ready"; readonly server: LoadedServer; readonly backend: BackendLeg; readonly visit?: LimboVisit }
  | { readonly _tag: "Refused"; readonly reason: string }
  /** ServerPreConnect's SendToLimbo: these handlers (empty: the target's `limbo_handlers`). */
  | { readonly _tag: "ToLimbo"; readonly server: LoadedServer; readonly handlers: ReadonlyArray<string> }

const refused = (reason: string): Prepared => ({ _tag: "Refused", reason })

/** Rules 1–2 for `targetId`. */
const target = Effect.fnUntraced(function*(from: LoadedServer, targetId: string, fromLimbo: boolean) {
  const to = yield* (yield* Router).server(targetId)
  if (to === undefined) return `unknown server: ${targetId}`
  if (fromLimbo) return to
  if (to.id === from.id) return `already connected to '${to.id}'`
  return networkRefusal(from, to) ?? to
})

/** Rule 3. */
const preConnect = Effect.fnUntraced(function*(sc: SwitchContext, from: LoadedServer, to: LoadedServer, fromLimbo: boolean) {
  const events = yield* Events
  if (!events.wants("ServerPreConnect")) return to as LoadedServer | string | Prepared
  const result: PreConnectResult = yield* events.fire(
    { _tag: "ServerPreConnect", player: sc.session.player, server: to.id, previous: from.id },
    ALLOWED
  )
  switch (result._tag) {
    case "Allowed":
      return to
    case "Denied":
      return `switch denied: ${result.reason}`
    case "SendToLimbo":
      if (fromLimbo) return "a plugin sent the player back to the limbo it is leaving"
      return { _tag: "ToLimbo", server: to, handlers: result.handlers } as Prepared
    case "ConnectTo":
      return yield* target(from, result.server, fromLimbo)
  }
})

/** Rules 1–5: the logged-in backend of the target, or why not. */
export const prepareSwitch = Effect.fnUntraced(function*(
  sc: SwitchContext,
  from: LoadedServer,
  backendAddress: string | undefined,
  targetId: string,
  fromLimbo = false
) {
  const first = yield* target(from, targetId, fromLimbo)
  if (typeof first === "string") return refused(first)
  const to = yield* preConnect(sc, from, first, fromLimbo)
  if (typeof to === "string") return refused(to)
  if ("_tag" in to) return to
  const filtered = yield* admitToServer(to, sc.ctx.client.address, false)
  if (filtered !== undefined) return refused(`server '${to.id}' does not admit this player`)
  if (to.config.maxPlayers > 0 && (yield* (yield* Sessions).countForServer(to.id)) >= to.config.maxPlayers) {
    return refused(`server '${to.id}' is full`)
  }
  const switching = { _tag: "Switching", from: from.id, backend: backendAddress ?? "", to: to.id } as const
  if (backendAddress !== undefined) yield* sc.session.transition(switching, from.config.maxPlayers)
  const joined = yield* joinBackend({ ctx: sc.ctx, server: to, session: sc.session, profile: sc.profile, table: sc.table })
  if (joined._tag === "NotJoined") {
    if (backendAddress !== undefined) yield* sc.session.transition({ _tag: "Playing", server: from.id, backend: backendAddress }, from.config.maxPlayers)
    yield* Effect.logWithLevel(joined.level)(`switch of ${sc.session.player.name} to '${to.id}' failed: ${joined.detail}`)
    return refused(`failed to connect to ${to.id}`)
  }
  // Counted against the target from now on; a race for its last slot is lost here.
  if (!(yield* sc.session.transition({ _tag: "Playing", server: to.id, backend: joined.backend.address }, to.config.maxPlayers))) {
    yield* Scope.close(joined.backend.scope, Exit.void)
    return refused(`server '${to.id}' is full`)
  }
  // 1.20.2+: the new backend enters its configuration phase, which waits in its reader for the client.
  acknowledgeBackendLogin(joined.backend.leg, sc.table)
  yield* (yield* Events).notify({ _tag: "ServerConnected", player: sc.session.player, server: to.id, backend: joined.backend.address })
  return { _tag: "Ready", server: to, backend: joined.backend } as Prepared
})
