/**
 * Where an intercepted login goes first (reference §2.11.2 step 8), and the player's permissions:
 *
 * - PermissionsSetup: by default a player is an admin when `[permissions] admins` lists its UUID
 *   or name *and* the proxy authenticated it (client_only): an offline name proves nothing;
 * - PlayerChooseInitialServer (Allowed, Redirect to another server, SendToLimbo);
 * - ServerPreConnect (mode/ServerChoice.ts).
 * Limbo is not available yet, so a SendToLimbo answer refuses the login with a message.
 */
import { Effect } from "effect"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import type { ProxyConfig } from "../../config/ProxyConfig.ts"
import { Events } from "../../event/EventBus.ts"
import { ALLOWED, type InitialServerResult, type Permissions, type PlayerRef } from "../../event/ProxyEvent.ts"
import { refuse } from "../../security/Refusal.ts"
import type { HandshakeContext } from "../../session/ConnectionContext.ts"
import type { LiveSession } from "../LiveSession.ts"
import { isRefusal, preConnect, redirect, type ServerChoice } from "../ServerChoice.ts"

/** The player's permissions after PermissionsSetup. */
export const permissionsOf = Effect.fnUntraced(function*(player: PlayerRef, online: boolean, config: ProxyConfig) {
  const admins = config.permissions.admins.map((a) => a.toLowerCase())
  const listed = admins.includes(player.name.toLowerCase()) || (player.uuid !== undefined && admins.includes(player.uuid.toLowerCase()))
  const initial: Permissions = { admin: online && listed }
  return yield* (yield* Events).fire({ _tag: "PermissionsSetup", player }, initial)
})

export const chooseServer = Effect.fnUntraced(function*(session: LiveSession, routed: LoadedServer, ctx: HandshakeContext) {
  const events = yield* Events
  const initial: InitialServerResult = ALLOWED
  const choice = yield* events.fire({ _tag: "PlayerChooseInitialServer", player: session.player, server: routed.id }, initial)
  let first: ServerChoice = routed
  if (choice._tag === "Redirect") first = yield* redirect(session, routed, choice.server, ctx)
  else if (choice._tag === "SendToLimbo") {
    first = refuse("Warn", `a plugin sent ${session.player.name} to limbo, which is not available yet; login refused`, "No limbo handlers configured")
  }
  if (isRefusal(first)) return first
  return yield* preConnect(session, first, ctx)
})
