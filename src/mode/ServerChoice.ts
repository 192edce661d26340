/**
 * ServerPreConnect, in every mode: a listener may let the login go on, deny it (the player reads
 * the reason), or send it to another server (ConnectTo, which Infrarust ignores outside its
 * intercepted switch). The other server must be of the same mode family — relaying raw bytes to a
 * server that expects the proxy to authenticate players would let anyone in, and an intercepted
 * login cannot become a raw relay half-way — and its `[ip_filter]` and `max_players` apply.
 * SendToLimbo needs limbo, which a login cannot have yet: refused with a warning.
 */
import { Effect } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { Events } from "../event/EventBus.ts"
import { ALLOWED, type PreConnectResult } from "../event/ProxyEvent.ts"
import { untrusted } from "../observability/LogText.ts"
import { Router } from "../routing/Router.ts"
import { admitToServer, serverFull } from "../security/Admission.ts"
import { type Refusal, refuse } from "../security/Refusal.ts"
import type { HandshakeContext } from "../session/ConnectionContext.ts"
import type { LiveSession } from "./LiveSession.ts"
import { familyOf } from "./ModeHandler.ts"

/** The server to connect to, or why not. */
export type ServerChoice = LoadedServer | Refusal

export const isRefusal = (u: ServerChoice): u is Refusal => "_tag" in u && u._tag === "Refusal"

export const preConnect = Effect.fnUntraced(function*(session: LiveSession, server: LoadedServer, ctx: HandshakeContext) {
  const events = yield* Events
  if (!events.wants("ServerPreConnect")) return server as ServerChoice
  const result: PreConnectResult = yield* events.fire(
    { _tag: "ServerPreConnect", player: session.player, server: server.id, previous: undefined },
    ALLOWED
  )
  switch (result._tag) {
    case "Allowed":
      return server as ServerChoice
    case "Denied":
      return refuse("Info", `login denied by a plugin (ServerPreConnect): ${untrusted(result.reason, 256)}`, result.reason) as ServerChoice
    case "SendToLimbo":
      return refuse("Warn", `a plugin sent ${untrusted(session.player.name)} to limbo, which is not available yet; login refused`, "This server cannot hold players in limbo.") as ServerChoice
    case "ConnectTo":
      return yield* redirect(session, server, result.server, ctx)
  }
})

/** Another server: it must exist, be of the same family, admit the client and have room. */
export const redirect = Effect.fnUntraced(function*(session: LiveSession, from: LoadedServer, to: string, ctx: HandshakeContext) {
  const target = yield* (yield* Router).server(to)
  if (target === undefined) {
    return refuse("Warn", `a plugin sent ${untrusted(session.player.name)} to server '${to}', which does not exist; login refused`, `Server '${to}' does not exist.`) as ServerChoice
  }
  if (familyOf(target.config.proxyMode) !== familyOf(from.config.proxyMode)) {
    return refuse(
      "Warn",
      `a plugin sent ${untrusted(session.player.name)} from '${from.id}' (proxy_mode ${from.config.proxyMode}) to '${to}' (proxy_mode ${target.config.proxyMode}); a login cannot change mode family, refused`,
      `Cannot connect to '${to}' from here.`
    ) as ServerChoice
  }
  const filtered = yield* admitToServer(target, ctx.client.address, false)
  if (filtered !== undefined) return filtered as ServerChoice
  if (!(yield* session.transition({ _tag: "Connecting", server: target.id }, target.config.maxPlayers))) return (yield* serverFull(target)) as ServerChoice
  yield* Effect.logInfo(`a plugin sent ${untrusted(session.player.name)} to '${target.id}' instead of '${from.id}'`)
  return target as ServerChoice
})
