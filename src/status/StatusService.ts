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
import { backendHandshake, proxyHeaderFor } from "../backend/BackendHandshake.ts"
import { Balancer } from "../backend/Balancer.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { configDirectory } from "../config/ConfigPaths.ts"
import type { MotdState } from "../config/MotdConfig.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { diffServers } from "../config/ServerList.ts"
import { statusCacheLookups, taggedEach } from "../observability/Metrics.ts"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { encodeHandshake, type Handshake, NextState } from "../protocol/Handshake.ts"
import { NEWEST_KNOWN_PROTOCOL } from "../protocol/ProtocolVersion.ts"
import type { Route } from "../routing/Router.ts"
import type { ConnectionContext, HandshakeContext, LegacyPingOpening } from "../session/ConnectionContext.ts"
import { Sessions } from "../session/Sessions.ts"
import { EMPTY_FAVICONS, type FaviconTable, faviconUses, loadFaviconTable } from "./Favicons.ts"
import { encodeLegacyReply, type LegacyView, legacyMotdText, legacyViewOfBody } from "./LegacyStatus.ts"
import { DEFAULT_STATE_TEXT, motdEntry, statusJson, SYNTHETIC_VERSION_NAME, type SyntheticStatus, UNKNOWN_DOMAIN_TEXT } from "./Motd.ts"
import { ServerStates } from "./ServerStates.ts"
import { type CacheKey, type FetchOutcome, type Lookup, type LookupSource, StatusCache } from "./StatusCache.ts"
import { fetchStatus } from "./StatusFetch.ts"
import { applyOverrides, type Overrides, protocolBucket, renderStatus, type StatusSnapshot } from "./StatusSnapshot.ts"

/**
 * A proxy-made reply, built once per (config, favicon table) and state: the MOTD text is parsed
 * and the body (favicon included) stringified again only when the protocol or player count differs
 * from the last ping's, so floods of rate-limited or unknown-domain pings cost a comparison.
 */
interface SyntheticReply {
  readonly status: Omit<SyntheticStatus, "protocol" | "onlinePlayers">
  last: { readonly protocol: number; readonly onlinePlayers: number; readonly json: string } | undefined
  /** The MOTD as legacy text, once a legacy ping asked for it. */
  legacyMotd: string | undefined
}

const syntheticReply = (status: SyntheticReply["status"]): SyntheticReply => ({ status, last: undefined, legacyMotd: undefined })

interface ServerView {
  readonly overrides: Overrides
  readonly replies: Map<MotdState, SyntheticReply>
}

type Answer =
  | { readonly _tag: "Backend"; readonly snapshot: StatusSnapshot; readonly overrides: Overrides }
  | { readonly _tag: "Synthetic"; readonly reply: SyntheticReply; readonly onlinePlayers: number }

/** How a routed ping reaches the cache: fetching when needed (always an answer), or what is at hand only. */
type Find<U extends undefined> = (key: CacheKey, fetch: () => Effect.Effect<FetchOutcome>) => Effect.Effect<Lookup | U>

const lookups = taggedEach(statusCacheLookups, "result", ["hit", "stale", "miss"] satisfies ReadonlyArray<LookupSource>)

/** Counts a ping answered from a fresh cached response on `context`'s metrics (a worker's copy counts here too). */
export const countCacheHit = (context: Context.Context<never>): void => lookups.hit.updateUnsafe(1, context)

/** A pre-1.7 ping's connection. */
export type LegacyContext = ConnectionContext<LegacyPingOpening>

/** Legacy pings are fetched as the newest release would be, and share its cache entry. */
const LEGACY_FETCH_PROTOCOL = NEWEST_KNOWN_PROTOCOL

export class StatusService extends Context.Service<StatusService, {
  /** The status JSON for this ping; never fails. */
  readonly respond: (ctx: HandshakeContext) => Effect.Effect<string>
  /**
   * The answer without contacting any backend, if one is at hand (a cached response within
   * its grace, a cached failure, or a proxy-made MOTD): what a rate-limited ping gets, at
   * the lowest possible cost. None = close without a reply.
   */
  readonly respondWithoutBackend: (ctx: HandshakeContext) => Effect.Effect<Option.Option<string>>
  /**
   * The reply for a ping to `route` when it is at hand with no effect at all: a fresh cached
   * backend response, the server online or unmanaged (the cached-status shortcut,
   * connection/StatusShortcut.ts). The cache hit is counted on `context`'s metrics. undefined =
   * take {@link respond}. Absent where the status plane lives in another thread.
   */
  readonly atHand?: (route: Route, config: ProxyConfig, protocol: number, now: number, context: Context.Context<never>) => string | undefined
  /**
   * When the backend gave the response that a ping to `route` gets now, if that is a fresh cached
   * response of a server the server manager does not manage (whose answer no state change can
   * turn into a MOTD): a worker thread may repeat the reply itself while it stays fresh
   * (workers/remote/RemoteStatus.ts). undefined = nothing to repeat. Absent in a worker.
   */
  readonly freshSince?: (route: Route, config: ProxyConfig, protocol: number, now: number) => number | undefined
  /** The legacy reply bytes (an 0xFF kick) for a pre-1.7 ping; never fails. */
  readonly respondLegacy: (ctx: LegacyContext) => Effect.Effect<Uint8Array>
  /** As {@link respondWithoutBackend}, for legacy pings. */
  readonly respondLegacyWithoutBackend: (ctx: LegacyContext) => Effect.Effect<Option.Option<Uint8Array>>
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
        favicons = yield* loadFaviconTable(uses, configDirectory(store.path))
      }).pipe(Effect.provideService(FileSystem.FileSystem, fs), Semaphore.withPermit(reloading))
      yield* reloadFavicons

      // A changed or removed server must not keep serving an old response or MOTD override.
      // (The stream starts with the current list: one published since this read is not lost.)
      let known = yield* SubscriptionRef.get(directory.servers)
      yield* SubscriptionRef.changes(directory.servers).pipe(
        Stream.filter((next) => next !== known),
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
      let knownConfig = yield* SubscriptionRef.get(store.config)
      yield* SubscriptionRef.changes(store.config).pipe(
        Stream.filter((next) => next !== knownConfig),
        Stream.runForEach((next) => {
          knownConfig = next
          return reloadFavicons
        }),
        Effect.forkScoped
      )

      // What is derived from one (config, favicon table): per server its overrides (their
      // identity keys the render memo of backend responses) and its proxy-made replies.
      const freshView = (config: ProxyConfig | undefined) => ({
        config,
        favicons,
        byServer: new WeakMap<LoadedServer, ServerView>(),
        unknownDomain: undefined as SyntheticReply | undefined
      })
      let view = freshView(undefined)
      const viewOf = (config: ProxyConfig) => {
        if (view.config !== config || view.favicons !== favicons) view = freshView(config)
        return view
      }
      const favicon = (value: string | undefined) => (value === undefined ? undefined : favicons.get(value))
      const serverView = (server: LoadedServer, config: ProxyConfig): ServerView => {
        const current = viewOf(config)
        let found = current.byServer.get(server)
        if (found === undefined) {
          const online = server.config.motd.online
          const overrides = { online, onlineFavicon: favicon(online?.favicon), defaultFavicon: favicon(config.defaultMotd?.online?.favicon) }
          current.byServer.set(server, (found = { overrides, replies: new Map() }))
        }
        return found
      }

      const unknownDomain = (config: ProxyConfig): Effect.Effect<Answer> =>
        Effect.map(sessions.total, (onlinePlayers): Answer => {
          const current = viewOf(config)
          current.unknownDomain ??= syntheticReply({
            text: config.defaultMotd?.online?.text ?? UNKNOWN_DOMAIN_TEXT,
            versionName: config.defaultMotd?.online?.versionName ?? SYNTHETIC_VERSION_NAME,
            maxPlayers: config.defaultMotd?.online?.maxPlayers ?? 0,
            favicon: favicon(config.defaultMotd?.online?.favicon)
          })
          return { _tag: "Synthetic", reply: current.unknownDomain, onlinePlayers }
        })

      const stateMotd = (state: MotdState, server: LoadedServer, config: ProxyConfig): Effect.Effect<Answer> =>
        Effect.map(sessions.countForServer(server.id), (onlinePlayers): Answer => {
          const { overrides, replies } = serverView(server, config)
          let reply = replies.get(state)
          if (reply === undefined) {
            const entry = motdEntry(state, server.config.motd, config.defaultMotd)
            reply = syntheticReply({
              text: entry?.text ?? DEFAULT_STATE_TEXT[state],
              versionName: entry?.versionName ?? SYNTHETIC_VERSION_NAME,
              maxPlayers: entry?.maxPlayers ?? server.config.maxPlayers,
              favicon: favicon(entry?.favicon) ?? overrides.onlineFavicon ?? overrides.defaultFavicon
            })
            replies.set(state, reply)
          }
          return { _tag: "Synthetic", reply, onlinePlayers }
        })

      /** The answer for a routed ping; `find` decides whether a backend may be asked. */
      const answerFor = <U extends undefined>(
        route: Route | undefined,
        config: ProxyConfig,
        protocol: number,
        find: Find<U>,
        fetch: (server: LoadedServer) => Effect.Effect<FetchOutcome>
      ): Effect.Effect<Answer | U> =>
        Effect.gen(function*() {
          if (route === undefined) return yield* unknownDomain(config)
          const server = route.entry.value
          const state = states.stateOf(server.id)
          if (state !== undefined && state !== "online") return yield* stateMotd(state, server, config)
          const key = { server: server.id, protocol: protocolBucket(protocol) }
          const found = yield* find(key, () => fetch(server))
          if (found === undefined) return found
          yield* Metric.update(lookups[found.source], 1)
          switch (found.outcome._tag) {
            case "Status":
              return { _tag: "Backend", snapshot: found.outcome.snapshot, overrides: serverView(server, config).overrides }
            case "Unreachable":
              return yield* stateMotd("unreachable", server, config)
            case "Offline":
              return yield* stateMotd("offline", server, config)
          }
        })
      const withFetch: Find<never> = (key, fetch) => cache.lookup(key, fetch())
      const atHand: Find<undefined> = (key) => cache.peek(key)

      const modernJson = (answer: Answer, protocol: number): string => {
        if (answer._tag === "Backend") return renderStatus(answer.snapshot, protocol, answer.overrides)
        const { onlinePlayers, reply } = answer
        const last = reply.last
        if (last !== undefined && last.protocol === protocol && last.onlinePlayers === onlinePlayers) return last.json
        const json = statusJson({ ...reply.status, protocol, onlinePlayers })
        reply.last = { protocol, onlinePlayers, json }
        return json
      }

      const legacyView = (answer: Answer): LegacyView =>
        answer._tag === "Backend"
          ? legacyViewOfBody(applyOverrides(answer.snapshot.body, answer.overrides), SYNTHETIC_VERSION_NAME)
          : {
            motd: answer.reply.legacyMotd ??= legacyMotdText(answer.reply.status.text),
            versionName: answer.reply.status.versionName,
            onlinePlayers: answer.onlinePlayers,
            maxPlayers: answer.reply.status.maxPlayers
          }

      /** Offline = `[health_check]` (active checks) has every backend of the server down. */
      const knownDown = (server: LoadedServer) =>
        Effect.map(balancer.backends(), (views) => {
          const mine = views.filter((v) => v.server === server.id)
          return mine.length > 0 && mine.every((v) => v.mode === "active" && !v.healthy)
        })
      const backendsOf = (server: LoadedServer) => ({ candidates: balancer.statusCandidates(server), knownDown: knownDown(server) })

      /** The probe speaks for the client: its PROXY header, and its handshake as the server's rewrite rules say. */
      const helloFor = (ctx: ConnectionContext, server: LoadedServer, handshake: Handshake, raw: Uint8Array) => ({
        preamble: server.config.sendProxyProtocol ? proxyHeaderFor(ctx.client, ctx.local) : undefined,
        handshake: backendHandshake(server.config, handshake, raw, NextState.Status)
      })

      const modernFetch = (ctx: HandshakeContext) => (server: LoadedServer) =>
        fetchStatus(server, helloFor(ctx, server, ctx.opening.handshake, ctx.opening.raw), ctx.config, backendsOf(server))

      /** A legacy ping is fetched with a synthetic handshake of {@link LEGACY_FETCH_PROTOCOL}. */
      const legacyFetch = (ctx: LegacyContext) => (server: LoadedServer) => {
        const request = ctx.opening.request
        const handshake: Handshake = {
          protocolVersion: LEGACY_FETCH_PROTOCOL,
          serverAddress: request._tag === "V1_6" ? request.host : server.config.domains[0] ?? "",
          serverPort: request._tag === "V1_6" ? request.port : 25565,
          nextState: NextState.Status
        }
        const encoded = encodeHandshake(handshake)
        const raw = isEncodedBytes(encoded) ? encoded : new Uint8Array(0)
        return fetchStatus(server, helloFor(ctx, server, handshake, raw), ctx.config, backendsOf(server))
      }

      const modern = <U extends undefined>(ctx: HandshakeContext, find: Find<U>): Effect.Effect<string | U> =>
        Effect.map(
          answerFor(ctx.route, ctx.config, ctx.protocolVersion, find, modernFetch(ctx)),
          (answer) => answer === undefined ? answer : modernJson(answer, ctx.protocolVersion)
        )

      const legacy = <U extends undefined>(ctx: LegacyContext, find: Find<U>): Effect.Effect<Uint8Array | U> =>
        Effect.map(
          answerFor(ctx.route, ctx.config, LEGACY_FETCH_PROTOCOL, find, legacyFetch(ctx)),
          (answer) => answer === undefined ? answer : encodeLegacyReply(ctx.opening.request, legacyView(answer))
        )

      const cachedNow = (route: Route, config: ProxyConfig, protocol: number, now: number, context: Context.Context<never>) => {
        const server = route.entry.value
        const state = states.stateOf(server.id)
        if (state !== undefined && state !== "online") return undefined
        const fresh = cache.freshNow({ server: server.id, protocol: protocolBucket(protocol) }, now, config.statusCache)
        if (fresh === undefined) return undefined
        countCacheHit(context)
        return renderStatus(fresh.snapshot, protocol, serverView(server, config).overrides)
      }

      const freshSince = (route: Route, config: ProxyConfig, protocol: number, now: number) => {
        const server = route.entry.value
        if (states.stateOf(server.id) !== undefined) return undefined
        return cache.freshNow({ server: server.id, protocol: protocolBucket(protocol) }, now, config.statusCache)?.at
      }

      return StatusService.of({
        atHand: cachedNow,
        freshSince,
        respond: (request) => traced("proxy.status")(modern(request, withFetch)),
        respondWithoutBackend: (request) => Effect.map(modern(request, atHand), Option.fromUndefinedOr),
        respondLegacy: (request) => traced("proxy.legacy_status")(legacy(request, withFetch)),
        respondLegacyWithoutBackend: (request) => Effect.map(legacy(request, atHand), Option.fromUndefinedOr)
      })
    })
  )
}
