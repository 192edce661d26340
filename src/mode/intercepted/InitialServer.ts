/**
 * Where an intercepted login goes first (reference §2.11.2 step 8), and the player's permissions:
 *
 * - PermissionsSetup: by default a player is an admin when `[permissions] admins` lists its UUID
 *   or name *and* the proxy authenticated it (client_only): an offline name proves nothing;
 * - PlayerChooseInitialServer (Allowed, Redirect to another server, SendToLimbo: the limbo with
 *   those handlers, resolved strictly, then the routed server);
 * - ServerPreConnect (mode/ServerChoice.ts);
 * - then, when the server lists `limbo_handlers`, the limbo first (resolved leniently).
 */
import { Effect } from "effect"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import type { ProxyConfig } from "../../config/ProxyConfig.ts"
import { Events } from "../../event/EventBus.ts"
import { ALLOWED, type InitialServerResult, type Permissions, type PlayerRef } from "../../event/ProxyEvent.ts"
import { LimboMessages } from "../../limbo/LimboHandler.ts"
import { canonicalUuid } from "../../protocol/Uuid.ts"
import type { HandshakeContext } from "../../session/ConnectionContext.ts"
import type { LiveSession } from "../LiveSession.ts"
import { isRefusal, preConnect, redirect, type ServerChoice } from "../ServerChoice.ts"
import type { LimboRequest } from "./LimboJoin.ts"

/** The player's permissions after PermissionsSetup. */
export const permissionsOf = Effect.fnUntraced(function*(player: PlayerRef, online: boolean, config: ProxyConfig) {
  // A UUID matches with or without dashes, in any case; anything else is a name.
  const admins = config.permissions.admins.map((a) => canonicalUuid(a) ?? a.toLowerCase())
  const uuid = player.uuid === undefined ? undefined : canonicalUuid(player.uuid)
  const listed = admins.includes(player.name.toLowerCase()) || (uuid !== undefined && admins.includes(uuid))
  const initial: Permissions = { admin: online && listed }
  return yield* (yield* Events).fire({ _tag: "PermissionsSetup", player }, initial)
})

/** Where the login goes: a server, the limbo first (then `server`), or why not. */
export type InitialChoice =
  | ServerChoice
  | { readonly _tag: "LimboFirst"; readonly server: LoadedServer; readonly request: LimboRequest }

export const chooseServer = Effect.fnUntraced(function*(session: LiveSession, routed: LoadedServer, ctx: HandshakeContext) {
  const events = yield* Events
  const initial: InitialServerResult = ALLOWED
  const choice = yield* events.fire({ _tag: "PlayerChooseInitialServer", player: session.player, server: routed.id }, initial)
  if (choice._tag === "SendToLimbo") {
    const entry = { _tag: "InitialConnection", target: routed.id } as const
    return { _tag: "LimboFirst", server: routed, request: { names: choice.handlers, strictness: "strict", entry } } as InitialChoice
  }
  const first: ServerChoice = choice._tag === "Redirect" ? yield* redirect(session, routed, choice.server, ctx) : routed
  if (isRefusal(first)) return first as InitialChoice
  const server = yield* preConnect(session, first, ctx)
  if (isRefusal(server) || server.config.limboHandlers.length === 0) return server as InitialChoice
  const request: LimboRequest = {
    names: server.config.limboHandlers,
    strictness: "lenient",
    entry: { _tag: "InitialConnection", target: server.id },
    refusal: LimboMessages.noHandlersForServer
  }
  return { _tag: "LimboFirst", server, request } as InitialChoice
})
