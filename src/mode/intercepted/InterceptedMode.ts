/**
 * The intercepted family (client_only, offline): the proxy speaks the protocol on both legs
 * (reference §2.11.2, §2.11.3), in this order:
 *
 * 1. PreLogin (Denied, ForceOffline, ForceOnline);
 * 2. client_only (or ForceOnline): the player authenticates with the proxy (ClientLogin.ts); its
 *    real UUID and name are then checked against the bans. offline: the UUID is the one the client
 *    sent (1.19.1+), else vanilla's offline UUID of the name (Infrarust's differs: its [BUG]);
 * 3. the session opens (a newer login of the same verified UUID ends an older one), PostLogin,
 *    PermissionsSetup (admins are recognised only for online-authenticated UUIDs),
 *    PlayerChooseInitialServer, ServerPreConnect;
 * 4. the backend login, done by the proxy with forwarding (BackendLogin.ts);
 * 5. the player's login completed at the backend's compression threshold (ClientLogin.ts): the
 *    player sees the backend's identity in offline mode (so both agree on the UUID) and its
 *    Mojang profile in client_only (use forwarding so the backend agrees);
 * 6. ServerConnected, then the session loop (SessionDriver.ts) until the player or the session
 *    ends; it may move the player to other servers (ServerSwitch.ts, BackendLoss.ts) meanwhile.
 * Every refusal on the way is a login disconnect the player reads.
 */
import { Clock, Duration, Effect, Option } from "effect"
import { offlineUuid } from "../../auth/OfflineUuid.ts"
import { Commands } from "../../command/Commands.ts"
import { sessionCommands } from "../../command/SessionCommands.ts"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import { relayTimeoutsOf } from "../../config/ServerConfig.ts"
import { Events } from "../../event/EventBus.ts"
import { ALLOWED, type PreLoginResult } from "../../event/ProxyEvent.ts"
import { sessionEnded, settleOutcome } from "../../observability/ConnectionReport.ts"
import { traced } from "../../observability/Tracing.ts"
import type { GameProfile } from "../../protocol/GameProfile.ts"
import { packetTable } from "../../protocol/PacketIds.ts"
import type { Text } from "../../protocol/TextPackets.ts"
import { nameOf } from "../../protocol/ProtocolVersion.ts"
import { IdleWatch } from "../../relay/IdleWatch.ts"
import { admitLogin, serverFull } from "../../security/Admission.ts"
import type { HandshakeContext } from "../../session/ConnectionContext.ts"
import type { SessionState } from "../../session/Session.ts"
import type { ActorSlot } from "../../session/Sessions.ts"
import { openSession } from "../LiveSession.ts"
import type { ClientLink, LoginStartRead } from "../ModeHandler.ts"
import { acknowledgeBackendLogin } from "./BackendLogin.ts"
import { ConfigurationFrames } from "./ConfigurationFrames.ts"
import { authenticate, completeLogin, loginKick } from "./ClientLogin.ts"
import { clientLeg, closeLeg } from "./ClientSocket.ts"
import { firstBackend } from "./FirstBackend.ts"
import { chooseServer, permissionsOf } from "./InitialServer.ts"
import type { PacketLeg } from "./PacketLeg.ts"
import { driveSession } from "./SessionDriver.ts"

/** The player's login steps (encryption, acknowledgement): vanilla gives a client 30 s to log in. */
const CLIENT_LOGIN_TIMEOUT = Duration.seconds(30)
const KICK_LINGER = Duration.seconds(2)

/**
 * A server with limbo handlers holds its logins in the limbo first, where they count against no
 * server: a full server's queue (a limbo handler) can take them in when a slot frees.
 */
const firstState = (routed: LoadedServer): SessionState =>
  routed.config.limboHandlers.length > 0 ? { _tag: "Limbo", waitingFor: routed.id } : { _tag: "Connecting", server: routed.id }

/** A login disconnect through the leg, then a polite close. */
const refuseLogin = (leg: PacketLeg, text: Text, log: string, level: "Info" | "Warn" = "Info") =>
  Effect.gen(function*() {
    yield* settleOutcome("refused")
    yield* Effect.logWithLevel(level)(log)
    loginKick(leg, text)
    yield* closeLeg(leg, KICK_LINGER)
  })

interface Identity {
  readonly profile: GameProfile
  readonly online: boolean
}

/** Who the player is: authenticated (client_only, ForceOnline), or by name (offline). */
const identify = Effect.fnUntraced(function*(ctx: HandshakeContext, leg: PacketLeg, start: LoginStartRead, pre: PreLoginResult, server: LoadedServer) {
  const { loginStart } = start
  const online = server.config.proxyMode === "client_only" ? pre._tag !== "ForceOffline" : pre._tag === "ForceOnline"
  if (!online) {
    return { profile: { id: loginStart.uuid ?? offlineUuid(loginStart.name), name: loginStart.name, properties: [] }, online } as Identity
  }
  const auth = yield* authenticate({
    leg,
    protocol: ctx.protocolVersion,
    loginStart,
    clientAddress: ctx.client.address,
    preventProxyConnections: ctx.config.auth.preventProxyConnections,
    timeout: CLIENT_LOGIN_TIMEOUT
  })
  if (auth._tag === "Failed") {
    yield* (yield* Events).notify({ _tag: "OnlineAuthFailed", username: loginStart.name, client: ctx.client.address, reason: auth.detail })
    yield* refuseLogin(leg, auth.kick, `authentication of ${loginStart.name} failed: ${auth.detail}`)
    return undefined
  }
  return { profile: auth.profile, online } as Identity
})

const login = Effect.fnUntraced(function*(ctx: HandshakeContext, link: ClientLink, start: LoginStartRead) {
  const routed = ctx.route!.entry.value
  const protocol = ctx.protocolVersion
  const leg = yield* clientLeg(link)
  const table = packetTable(protocol)
  if (table === undefined) {
    const version = nameOf(protocol) ?? `protocol ${protocol}`
    return yield* refuseLogin(leg, `This server does not support Minecraft ${version} through this proxy yet.`, `proxy_mode ${routed.config.proxyMode} does not know the packets of ${version}: login refused`, "Warn")
  }
  const events = yield* Events
  const { loginStart } = start
  const attempt = { name: loginStart.name, uuid: loginStart.uuid, client: ctx.client.address, protocolVersion: protocol, host: ctx.host }
  const pre = yield* events.fire({ _tag: "PreLogin", attempt, server: routed.id }, ALLOWED as PreLoginResult)
  if (pre._tag === "Denied") return yield* refuseLogin(leg, pre.reason, `login denied by a plugin (PreLogin): ${pre.reason}`)

  const identity = yield* identify(ctx, leg, start, pre, routed)
  if (identity === undefined) return
  const { profile } = identity
  if (identity.online && profile.name !== loginStart.name) yield* Effect.annotateLogsScoped({ player: profile.name })
  if (identity.online) {
    const banned = yield* admitLogin({ client: ctx.client.address, username: profile.name, uuid: profile.id })
    if (banned !== undefined) return yield* refuseLogin(leg, banned.kick ?? "You are banned.", banned.reason)
  }

  const actor: ActorSlot = { act: undefined }
  const opened = yield* openSession({
    client: ctx.client.address,
    player: profile.name,
    uuid: profile.id,
    identity: identity.online ? "online" : "offline",
    protocolVersion: protocol,
    mode: routed.config.proxyMode
  }, firstState(routed), routed.config.maxPlayers, actor)
  if (Option.isNone(opened)) {
    const full = yield* serverFull(routed)
    return yield* refuseLogin(leg, full.kick ?? "Server full", full.reason)
  }
  const session = opened.value
  yield* events.notify({ _tag: "PostLogin", player: session.player })
  const permissions = yield* permissionsOf(session.player, identity.online, ctx.config)
  const chosen = yield* chooseServer(session, routed, ctx)
  if ("_tag" in chosen && chosen._tag === "Refusal") {
    return yield* refuseLogin(leg, chosen.kick ?? "Disconnected", chosen.reason, chosen.level === "Warn" ? "Warn" : "Info")
  }
  const switching = { ctx, session, profile, table }
  const joined = yield* firstBackend(switching, chosen)
  if (joined._tag === "NotJoined") {
    if (joined.unreachable) yield* settleOutcome("no_backend")
    return yield* refuseLogin(leg, joined.text, joined.unreachable ? `${joined.detail}; disconnecting ${profile.name}` : joined.detail, joined.level)
  }
  const { server, backend, visit } = joined
  const { success, threshold } = joined.login
  yield* completeLogin({
    leg,
    protocol,
    table,
    threshold,
    success: identity.online ? { uuid: profile.id, username: profile.name, properties: profile.properties } : success,
    timeout: CLIENT_LOGIN_TIMEOUT
  })
  acknowledgeBackendLogin(backend.leg, table)
  if (visit === undefined) yield* session.transition({ _tag: "Playing", server: server.id, backend: backend.address }, 0)
  yield* session.joined
  if (visit === undefined) yield* events.notify({ _tag: "ServerConnected", player: session.player, server: server.id, backend: backend.address })
  yield* settleOutcome("relayed")
  yield* Effect.logInfo(`session started backend=${backend.address}${visit === undefined ? "" : ` (the limbo, then '${server.id}')`} mode=${server.config.proxyMode}`)

  const end = yield* driveSession({
    client: leg,
    backend,
    protocol,
    table,
    initial: table.login.serverbound.ids.login_acknowledged === undefined ? "play" : "configuration",
    player: session.player,
    server,
    switching,
    limbo: visit,
    onConfigurationFrames: (yield* ConfigurationFrames).onConfigurationFrames,
    timeouts: relayTimeoutsOf(server.config),
    idleWatch: yield* IdleWatch,
    events,
    commands: sessionCommands(yield* Commands, { player: session.player, admin: permissions.admin }, protocol),
    onActor: (slot) => {
      actor.act = slot?.act
      actor.switchTo = slot?.switchTo
    }
  })
  const now = yield* Clock.currentTimeMillis
  const c2b = end.backend.leg.socket.bytesWritten
  const b2c = leg.socket.bytesWritten
  const seconds = (now - session.info.startedAt) / 1000
  yield* Effect.logInfo(`session ended c2b=${c2b} b2c=${b2c} duration=${seconds.toFixed(1)}s reason=${end.reason}${end.detail === undefined ? "" : ` (${end.detail})`}`)
  yield* sessionEnded(end.server.id, { c2b, b2c, endReason: end.reason }, seconds)
  end.backend.leg.socket.destroy()
  if (end.reason === "kicked") yield* closeLeg(leg, KICK_LINGER)
}, traced("proxy.intercepted"))

export const InterceptedMode = {
  family: "intercepted",
  login
} as const

export type InterceptedServices = Effect.Services<ReturnType<typeof login>>
