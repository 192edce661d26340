/**
 * What an administrator can do, once, for both the REST API and the stdin console: find and
 * kick players, ban and unban, start and stop managed servers, create and delete API servers,
 * reload. Refusals are the API's error envelopes (ApiErrors.ts): the API answers them with
 * their status, the console prints their message.
 *
 * A ban kicks the sessions it matches at once (the same lookup logins use, so an IP ban, a
 * range, a name in any case and a UUID all apply). Messages reach players whose sessions the
 * proxy speaks the protocol in (offline, client_only) once they play; anyone else answers 409
 * with the reason; so does a switch (send) the session refuses, with the reason the player read.
 */
import { Clock, Context, Duration, Effect, Layer, Option, SubscriptionRef } from "effect"
import { Balancer, type BackendView } from "../backend/Balancer.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { isForwardingMode } from "../config/ServerConfig.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { Router } from "../routing/Router.ts"
import { type BanEntry, parseBanTarget, targetKey } from "../security/Ban.ts"
import { BanList } from "../security/BanList.ts"
import { ServerManager } from "../server-manager/ServerManager.ts"
import type { SessionInfo } from "../session/Session.ts"
import { Sessions } from "../session/Sessions.ts"
import { LIMBO_TARGET } from "../session/PlayerAction.ts"
import { type ApiError, badRequest, conflict, forbidden, notFound, unavailable } from "./ApiErrors.ts"
import type { ServerInput } from "./ApiModels.ts"
import { untrusted } from "../observability/LogText.ts"
import { hostOf } from "./Views.ts"

export interface ServerInfo {
  readonly server: LoadedServer
  readonly state: string | undefined
  readonly players: number
  readonly backends: ReadonlyArray<BackendView>
}

export interface BanRequest {
  readonly type: string
  readonly value: string
  readonly reason?: string | undefined
  readonly duration?: Duration.Duration | undefined
  readonly source: string
}

/** Why a message or a switch cannot be done for this session. */
const notInterceptable = (s: SessionInfo, what: string): string =>
  isForwardingMode(s.mode)
    ? `Failed to ${what}: ${s.player} is in ${s.mode} mode, where the proxy relays raw bytes and cannot write into the session`
    : `Failed to ${what}: ${s.player} is not in the game right now (logging in or between servers)`

const make = Effect.gen(function*() {
  const sessions = yield* Sessions
  const router = yield* Router
  const balancer = yield* Balancer
  const bans = yield* BanList
  const manager = yield* ServerManager
  const directory = yield* ServersDirectory
  const store = yield* ProxyConfigStore

  /** A session id, a player name (any case) or a UUID. */
  const findPlayer = (key: string): Effect.Effect<SessionInfo, ApiError> =>
    Effect.gen(function*() {
      const trimmed = key.trim()
      if (/^\d+$/.test(trimmed)) {
        const byId = yield* sessions.get(Number(trimmed))
        if (Option.isSome(byId)) return byId.value
      }
      const byName = yield* sessions.findByName(trimmed)
      if (Option.isSome(byName)) return byName.value
      const byUuid = yield* sessions.findByUuid(trimmed.toLowerCase())
      if (Option.isSome(byUuid)) return byUuid.value
      return yield* Effect.fail(notFound(`Player '${key}' not found`))
    })

  const tell = (s: SessionInfo, text: string) => sessions.act(s.id, { _tag: "Message", text })

  const kickSession = (s: SessionInfo, reason: string | undefined) =>
    Effect.gen(function*() {
      yield* sessions.kick(s.id)
      yield* Effect.logInfo(`kicked ${untrusted(s.player)} (${reason === undefined ? "no reason" : untrusted(reason, 256)})`).pipe(Effect.annotateLogs({ player: s.player }))
    })

  const serverInfo = (server: LoadedServer, views: ReadonlyArray<BackendView>) =>
    Effect.map(sessions.countForServer(server.id), (players): ServerInfo => ({
      server,
      state: manager.stateOf(server.id),
      players,
      backends: views.filter((v) => v.server === server.id)
    }))

  const servers = Effect.gen(function*() {
    const table = yield* SubscriptionRef.get(router.table)
    const views = yield* balancer.backends()
    return yield* Effect.forEach(table.entries.map((e) => e.value), (s) => serverInfo(s, views))
  })

  const server = (id: string) =>
    Effect.gen(function*() {
      const found = yield* router.server(id)
      if (found === undefined) return yield* Effect.fail(notFound(`Server '${id}' not found`))
      return yield* serverInfo(found, yield* balancer.backends())
    })

  const managed = (id: string, action: "start" | "stop") =>
    Effect.gen(function*() {
      yield* server(id)
      const result = action === "start" ? yield* manager.start(id) : yield* manager.stop(id)
      switch (result._tag) {
        case "NotManaged":
          return yield* Effect.fail(conflict(`Server '${id}' has no [server_manager]: it cannot be ${action === "start" ? "started" : "stopped"} by the proxy`))
        case "Refused":
          return yield* Effect.fail(conflict(`Cannot ${action} server '${id}' (${result.state}): ${result.reason}`))
        case "Unchanged":
          return `Server '${id}' is already ${result.state}`
        case "Accepted":
          return `Server '${id}' is ${result.state}`
      }
    })

  const ban = (request: BanRequest): Effect.Effect<{ readonly entry: BanEntry; readonly kicked: number }, ApiError> =>
    Effect.gen(function*() {
      const entry = yield* bans.add({
        target: { type: request.type, value: request.value },
        reason: request.reason,
        duration: request.duration,
        source: request.source
      }).pipe(Effect.mapError((e) => (e._tag === "BanInputError" ? badRequest(e.message) : unavailable(e.message))))
      let kicked = 0
      for (const s of yield* sessions.list) {
        const match = yield* bans.find({ ip: hostOf(s.client), username: s.player, uuid: s.uuid })
        if (Option.isSome(match)) {
          kicked++
          yield* kickSession(s, `banned: ${entry.reason ?? "Banned by administrator"}`)
        }
      }
      return { entry, kicked }
    })

  const unban = (type: string, value: string, source: string) =>
    bans.remove({ type, value }, source).pipe(
      Effect.mapError((e) => (e._tag === "BanInputError" ? badRequest(e.message) : unavailable(e.message))),
      Effect.flatMap((removed) => (removed ? Effect.void : Effect.fail(notFound(`No ban for ${type} '${value}'`))))
    )

  const apiServers = () =>
    directory.api === undefined
      ? Effect.fail(unavailable("API-created servers need [web] in infrarust.toml"))
      : Effect.succeed(directory.api)

  const putServer = (input: ServerInput, creating: boolean) =>
    Effect.gen(function*() {
      const api = yield* apiServers()
      const existing = yield* router.server(input.id)
      const records = yield* api.records
      const ours = records.some((r) => r.id === input.id)
      if (creating && (existing !== undefined || ours)) return yield* Effect.fail(conflict(`Server '${input.id}' already exists`))
      if (!creating && !ours) {
        return yield* Effect.fail(existing === undefined ? notFound(`Server '${input.id}' not found`) : forbidden("Only API-created servers can be edited"))
      }
      return yield* api.put({
        id: input.id,
        domains: input.domains,
        addresses: input.addresses,
        proxy_mode: input.proxy_mode ?? "passthrough",
        limbo_handlers: input.limbo_handlers ?? []
      }).pipe(Effect.mapError((e) => badRequest(e.message)))
    })

  const deleteServer = (id: string) =>
    Effect.gen(function*() {
      const api = yield* apiServers()
      const removed = yield* api.remove(id).pipe(Effect.mapError((e) => unavailable(e.message)))
      if (removed) return
      return yield* Effect.fail((yield* router.server(id)) === undefined ? notFound(`Server '${id}' not found`) : forbidden("Only API-created servers can be deleted"))
    })

  /** Re-reads infrarust.toml, the servers directory and bans.json now (the watchers do it anyway). */
  const reload = Effect.gen(function*() {
    const configChanged = yield* store.reload
    yield* directory.reload
    yield* bans.reload
    const servers = (yield* SubscriptionRef.get(directory.servers)).length
    return { configChanged, servers }
  })

  return {
    findPlayer,
    players: sessions.list,
    kick: (key: string, reason?: string) => Effect.tap(findPlayer(key), (s) => kickSession(s, reason)),
    send: (key: string, target: string) =>
      Effect.gen(function*() {
        const s = yield* findPlayer(key)
        if (target !== LIMBO_TARGET && (yield* router.server(target)) === undefined) return yield* Effect.fail(notFound(`Server '${target}' not found`))
        const outcome = yield* sessions.switchTo(s.id, target)
        switch (outcome._tag) {
          case "Switched":
            return s
          case "NotFound":
            return yield* Effect.fail(notFound(`Player '${s.player}' left`))
          case "NotIntercepted":
            return yield* Effect.fail(conflict(notInterceptable(s, "send player")))
          case "Refused":
            return yield* Effect.fail(conflict(`Failed to send player: ${outcome.reason} (${s.player} stays where they are)`))
        }
      }),
    message: (key: string, text: string) =>
      Effect.gen(function*() {
        const s = yield* findPlayer(key)
        if (!(yield* tell(s, text))) return yield* Effect.fail(conflict(notInterceptable(s, "message player")))
        return s
      }),
    /** A chat message to every player who can read one; the others (forwarding modes, logging in) are counted. */
    broadcast: (text: string) =>
      Effect.gen(function*() {
        let delivered = 0
        let skipped = 0
        for (const s of yield* sessions.list) {
          if (yield* tell(s, text)) delivered++
          else skipped++
        }
        return { delivered, skipped }
      }),
    servers,
    server,
    start: (id: string) => managed(id, "start"),
    stop: (id: string) => managed(id, "stop"),
    createServer: (input: ServerInput) => putServer(input, true),
    updateServer: (input: ServerInput) => putServer(input, false),
    deleteServer,
    ban,
    unban,
    bans: bans.list,
    /** The active ban of exactly this target (canonicalised: any case for names, IPv4-mapped IPv6 as IPv4). */
    findBan: (type: string, value: string) =>
      Effect.gen(function*() {
        const target = parseBanTarget(type, value)
        if (target._tag === "Failure") return yield* Effect.fail(badRequest(target.failure))
        const key = targetKey(target.success)
        return (yield* bans.list).find((b) => targetKey(b.target) === key)
      }),
    reload,
    now: Clock.currentTimeMillis
  }
})

export type AdminActionsShape = Effect.Success<typeof make>

export class AdminActions extends Context.Service<AdminActions, AdminActionsShape>()("infrarust/admin/AdminActions") {
  static readonly layer = Layer.effect(AdminActions, make)
}
