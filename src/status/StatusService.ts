/**
 * The status plane: what a server-list ping is answered with, modern or legacy.
 *
 * - unknown domain: `[default_motd.online]` (Infrarust answers nothing — "Can't connect");
 * - a server whose manager state is known and not online (offline, sleeping, starting,
 *   crashed, stopping): that state's MOTD, without any backend contact;
 * - otherwise the backend's response through the StatusCache (one fetch per key and ttl,
 *   stale-while-revalidate, grace), with `[motd.online]` overrides applied, and the client's
 *   own protocol when the backend's version name covers its release;
 * - the cache's failures: `offline` (active health checks report every backend down, so none
 *   is dialled) or `unreachable` (no backend answered within `status_timeout` and no good
 *   response is within grace): that state's MOTD.
 * MOTD entries are the server's `[motd.<state>]`, else `[default_motd.<state>]`, else a
 * built-in text. Favicons are loaded into data URIs when the config changes (Favicons.ts).
 *
 * Invariant: a ping is never activity. Nothing here registers a session, and the only
 * server-state access is the read-only ServerStates view.
 */
import { Context, Effect, FileSystem, Layer, Metric, Option, Semaphore, Stream, SubscriptionRef } from "effect"
import { traced } from "../observability/Tracing.ts"
import type { Endpoint } from "../backend/BackendHandshake.ts"
import { Balancer } from "../backend/Balancer.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { MotdState } from "../config/MotdConfig.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { diffServers } from "../config/ServerList.ts"
import { statusCacheLookups } from "../observability/Metrics.ts"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { encodeHandshake, type Handshake, NextState } from "../protocol/Handshake.ts"
import type { LegacyPingRequest } from "../protocol/LegacyPing.ts"
import { NEWEST_KNOWN_PROTOCOL } from "../protocol/ProtocolVersion.ts"
import type { Route } from "../routing/Router.ts"
import { Sessions } from "../services/Sessions.ts"
import { EMPTY_FAVICONS, type FaviconTable, faviconUses, loadFaviconTable } from "./Favicons.ts"
import { encodeLegacyReply, type LegacyView, legacyMotdText, legacyViewOfBody } from "./LegacyStatus.ts"
import { DEFAULT_STATE_TEXT, motdEntry, statusJson, SYNTHETIC_VERSION_NAME, type SyntheticStatus, UNKNOWN_DOMAIN_TEXT } from "./Motd.ts"
import { ServerStates } from "./ServerStates.ts"
import { type FetchOutcome, type LookupSource, StatusCache } from "./StatusCache.ts"
import { fetchStatus } from "./StatusFetch.ts"
import { applyOverrides, type Overrides, protocolBucket, renderStatus, type StatusSnapshot } from "./StatusSnapshot.ts"

export interface StatusRequest {
  readonly route: Route | undefined
  readonly handshake: Handshake
  readonly rawHandshake: Uint8Array
  readonly client: Endpoint
  readonly local: Endpoint
}

export interface LegacyStatusRequest {
  readonly request: LegacyPingRequest
  /** The 1.6 ping's host, routed; undefined for unknown hosts and the host-less Beta/1.4 pings. */
  readonly route: Route | undefined
  readonly client: Endpoint
  readonly local: Endpoint
}

type Answer =
  | { readonly _tag: "Backend"; readonly snapshot: StatusSnapshot; readonly overrides: Overrides }
  | { readonly _tag: "Synthetic"; readonly status: Omit<SyntheticStatus, "protocol"> }

const lookups: Record<LookupSource, Metric.Metric<number, unknown>> = {
  hit: Metric.withAttributes(statusCacheLookups, { result: "hit" }),
  stale: Metric.withAttributes(statusCacheLookups, { result: "stale" }),
  miss: Metric.withAttributes(statusCacheLookups, { result: "miss" })
}

/** Legacy pings are fetched as the newest release would be, and share its cache entry. */
const LEGACY_FETCH_PROTOCOL = NEWEST_KNOWN_PROTOCOL

export class StatusService extends Context.Service<StatusService, {
  /** The status JSON for this ping; never fails. */
  readonly respond: (request: StatusRequest) => Effect.Effect<string>
  /**
   * The answer without contacting any backend, if one is at hand (a cached response within
   * its grace, a cached failure, or a proxy-made MOTD): what a rate-limited ping gets, at
   * the lowest possible cost. None = close without a reply.
   */
  readonly respondWithoutBackend: (request: StatusRequest) => Effect.Effect<Option.Option<string>>
  /** The legacy reply bytes (an 0xFF kick) for a pre-1.7 ping; never fails. */
  readonly respondLegacy: (request: LegacyStatusRequest) => Effect.Effect<Uint8Array>
  /** As {@link respondWithoutBackend}, for legacy pings. */
  readonly respondLegacyWithoutBackend: (request: LegacyStatusRequest) => Effect.Effect<Option.Option<Uint8Array>>
}>()("infrarust/status/StatusService") {
  static readonly layer = Layer.effect(
    StatusService,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const directory = yield* ServersDirectory
      const sessions = yield* Sessions
      const balancer = yield* Balancer
      const cache = yield* StatusCache
      const states = yield* ServerStates
      const fs = yield* FileSystem.FileSystem

      let favicons: FaviconTable = EMPTY_FAVICONS
      // One reload at a time, each reading the config as it is when it starts: the last one wins.
      const reloading = yield* Semaphore.make(1)
      const reloadFavicons = Effect.gen(function*() {
        const uses = faviconUses(yield* SubscriptionRef.get(store.config), yield* SubscriptionRef.get(directory.servers))
        favicons = yield* loadFaviconTable(uses)
      }).pipe(Effect.provideService(FileSystem.FileSystem, fs), Semaphore.withPermit(reloading))
      yield* reloadFavicons

      // A changed or removed server must not keep serving an old response or MOTD override.
      let known = yield* SubscriptionRef.get(directory.servers)
      yield* SubscriptionRef.changes(directory.servers).pipe(
        Stream.drop(1),
        Stream.runForEach((next) =>
          Effect.gen(function*() {
            const change = diffServers(known, next)
            known = next
            for (const id of [...change.added, ...change.updated, ...change.removed]) yield* cache.invalidateServer(id)
            yield* reloadFavicons
          })
        ),
        Effect.forkScoped
      )
      yield* SubscriptionRef.changes(store.config).pipe(Stream.drop(1), Stream.runForEach(() => reloadFavicons), Effect.forkScoped)

      // Overrides objects are stable per (config, favicon table, server): they key the render memo.
      let overridesView = { config: undefined as ProxyConfig | undefined, favicons, byServer: new WeakMap<LoadedServer, Overrides>() }
      const favicon = (value: string | undefined) => (value === undefined ? undefined : favicons.get(value))
      const overridesFor = (server: LoadedServer, config: ProxyConfig): Overrides => {
        if (overridesView.config !== config || overridesView.favicons !== favicons) {
          overridesView = { config, favicons, byServer: new WeakMap() }
        }
        let overrides = overridesView.byServer.get(server)
        if (overrides === undefined) {
          const online = server.config.motd.online
          overrides = { online, onlineFavicon: favicon(online?.favicon), defaultFavicon: favicon(config.defaultMotd?.online?.favicon) }
          overridesView.byServer.set(server, overrides)
        }
        return overrides
      }

      const unknownDomain = (config: ProxyConfig): Effect.Effect<Answer> =>
        Effect.map(sessions.total, (onlinePlayers): Answer => {
          const entry = config.defaultMotd?.online
          return {
            _tag: "Synthetic",
            status: {
              text: entry?.text ?? UNKNOWN_DOMAIN_TEXT,
              versionName: entry?.versionName ?? SYNTHETIC_VERSION_NAME,
              maxPlayers: entry?.maxPlayers ?? 0,
              onlinePlayers,
              favicon: favicon(entry?.favicon)
            }
          }
        })

      const stateMotd = (state: MotdState, server: LoadedServer, config: ProxyConfig): Effect.Effect<Answer> =>
        Effect.map(sessions.countForServer(server.id), (onlinePlayers): Answer => {
          const entry = motdEntry(state, server.config.motd, config.defaultMotd)
          const overrides = overridesFor(server, config)
          return {
            _tag: "Synthetic",
            status: {
              text: entry?.text ?? DEFAULT_STATE_TEXT[state],
              versionName: entry?.versionName ?? SYNTHETIC_VERSION_NAME,
              maxPlayers: entry?.maxPlayers ?? server.config.maxPlayers,
              onlinePlayers,
              favicon: favicon(entry?.favicon) ?? overrides.onlineFavicon ?? overrides.defaultFavicon
            }
          }
        })

      /** The answer for a routed ping; `fetch` undefined = from what is at hand only. */
      const answerFor = (
        route: Route | undefined,
        config: ProxyConfig,
        protocol: number,
        fetch: ((server: LoadedServer) => Effect.Effect<FetchOutcome>) | undefined
      ): Effect.Effect<Answer | undefined> =>
        Effect.gen(function*() {
          if (route === undefined) return yield* unknownDomain(config)
          const server = route.entry.value
          const state = states.stateOf(server.id)
          if (state !== undefined && state !== "online") return yield* stateMotd(state, server, config)
          const key = { server: server.id, protocol: protocolBucket(protocol) }
          const found = fetch === undefined ? yield* cache.peek(key) : yield* cache.lookup(key, fetch(server))
          if (found === undefined) return undefined
          yield* Metric.update(lookups[found.source], 1)
          switch (found.outcome._tag) {
            case "Status":
              return { _tag: "Backend", snapshot: found.outcome.snapshot, overrides: overridesFor(server, config) }
            case "Unreachable":
              return yield* stateMotd("unreachable", server, config)
            case "Offline":
              return yield* stateMotd("offline", server, config)
          }
        })

      const modernJson = (answer: Answer, protocol: number): string =>
        answer._tag === "Backend"
          ? renderStatus(answer.snapshot, protocol, answer.overrides)
          : statusJson({ ...answer.status, protocol })

      const legacyView = (answer: Answer): LegacyView =>
        answer._tag === "Backend"
          ? legacyViewOfBody(applyOverrides(answer.snapshot.body, answer.overrides), SYNTHETIC_VERSION_NAME)
          : {
            motd: legacyMotdText(answer.status.text),
            versionName: answer.status.versionName,
            onlinePlayers: answer.status.onlinePlayers,
            maxPlayers: answer.status.maxPlayers
          }

      /** Offline = `[health_check]` (active checks) has every backend of the server down. */
      const knownDown = (server: LoadedServer) =>
        Effect.map(balancer.backends(), (views) => {
          const mine = views.filter((v) => v.server === server.id)
          return mine.length > 0 && mine.every((v) => v.mode === "active" && !v.healthy)
        })
      const backendsOf = (server: LoadedServer) => ({ candidates: balancer.statusCandidates(server), knownDown: knownDown(server) })

      const modernFetch = (request: StatusRequest, config: ProxyConfig) => (server: LoadedServer) =>
        fetchStatus({ ...request, server, config, ...backendsOf(server) })

      /** A legacy ping is fetched with a synthetic handshake of {@link LEGACY_FETCH_PROTOCOL}. */
      const legacyFetch = (request: LegacyStatusRequest, config: ProxyConfig) => (server: LoadedServer) => {
        const handshake: Handshake = {
          protocolVersion: LEGACY_FETCH_PROTOCOL,
          serverAddress: request.request._tag === "V1_6" ? request.request.host : server.config.domains[0] ?? "",
          serverPort: request.request._tag === "V1_6" ? request.request.port : 25565,
          nextState: NextState.Status
        }
        const encoded = encodeHandshake(handshake)
        const rawHandshake = isEncodedBytes(encoded) ? encoded : new Uint8Array(0)
        return fetchStatus({ ...request, handshake, rawHandshake, server, config, ...backendsOf(server) })
      }

      const respond = Effect.fnUntraced(function*(request: StatusRequest) {
        const config = yield* SubscriptionRef.get(store.config)
        const protocol = request.handshake.protocolVersion
        const answer = yield* answerFor(request.route, config, protocol, modernFetch(request, config))
        return answer === undefined ? "" : modernJson(answer, protocol)
      }, traced("proxy.status"))

      const respondWithoutBackend = (request: StatusRequest) =>
        Effect.gen(function*() {
          const config = yield* SubscriptionRef.get(store.config)
          const protocol = request.handshake.protocolVersion
          const answer = yield* answerFor(request.route, config, protocol, undefined)
          return answer === undefined ? Option.none<string>() : Option.some(modernJson(answer, protocol))
        })

      const respondLegacy = Effect.fnUntraced(function*(request: LegacyStatusRequest) {
        const config = yield* SubscriptionRef.get(store.config)
        const answer = yield* answerFor(request.route, config, LEGACY_FETCH_PROTOCOL, legacyFetch(request, config))
        return answer === undefined ? new Uint8Array(0) : encodeLegacyReply(request.request, legacyView(answer))
      }, traced("proxy.legacy_status"))

      const respondLegacyWithoutBackend = (request: LegacyStatusRequest) =>
        Effect.gen(function*() {
          const config = yield* SubscriptionRef.get(store.config)
          const answer = yield* answerFor(request.route, config, LEGACY_FETCH_PROTOCOL, undefined)
          return answer === undefined
            ? Option.none<Uint8Array>()
            : Option.some(encodeLegacyReply(request.request, legacyView(answer)))
        })

      return StatusService.of({ respond, respondWithoutBackend, respondLegacy, respondLegacyWithoutBackend })
    })
  )
}
