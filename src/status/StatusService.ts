/**
 * Answers a server-list ping with the JSON the client should see:
 * - unknown domain: the `[default_motd]` (Infrarust answers nothing — the player sees
 *   "Can't connect to server");
 * - known server: the backend's own response, trying `addresses` in order within the
 *   `[limits] status_timeout` budget;
 * - no backend answers: the server's `[motd.unreachable]`, else `[default_motd.unreachable]`,
 *   else a built-in "Server unreachable" — never a hanging client.
 */
import { Context, Effect, Layer, Option, SubscriptionRef } from "effect"
import type { Endpoint } from "../backend/BackendHandshake.ts"
import { Balancer } from "../backend/Balancer.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { connectTimeoutOf } from "../config/ServerConfig.ts"
import type { Handshake } from "../protocol/Handshake.ts"
import type { Route } from "../routing/Router.ts"
import { Sessions } from "../services/Sessions.ts"
import { fetchBackendStatus } from "./BackendStatus.ts"
import { DEFAULT_STATE_TEXT, motdEntry, statusJson, UNKNOWN_DOMAIN_TEXT } from "./Motd.ts"

export interface StatusRequest {
  readonly route: Route | undefined
  readonly handshake: Handshake
  readonly rawHandshake: Uint8Array
  readonly client: Endpoint
  readonly local: Endpoint
}

export class StatusService extends Context.Service<StatusService, {
  /** The status JSON for this ping; never fails. */
  readonly respond: (request: StatusRequest) => Effect.Effect<string>
  /**
   * The answer without contacting any backend, if one is at hand (a cached response or a
   * proxy-made MOTD): what a rate-limited ping gets, at the lowest possible cost.
   */
  readonly respondWithoutBackend: (request: StatusRequest) => Effect.Effect<Option.Option<string>>
}>()("infrarust/status/StatusService") {
  static readonly layer = Layer.effect(
    StatusService,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const sessions = yield* Sessions
      const balancer = yield* Balancer

      const respond = Effect.fn("proxy.status")(function*(request: StatusRequest) {
        const config = yield* SubscriptionRef.get(store.config)
        const protocol = request.handshake.protocolVersion
        if (request.route === undefined) {
          const entry = config.defaultMotd?.online
          return statusJson({
            text: entry?.text ?? UNKNOWN_DOMAIN_TEXT,
            versionName: entry?.versionName ?? "infrarust-ts",
            protocol,
            maxPlayers: entry?.maxPlayers ?? 0,
            onlinePlayers: sessions.total(),
            favicon: entry?.favicon
          })
        }
        const server = request.route.entry.value
        const connectTimeout = connectTimeoutOf(server.config, config.connectTimeout)
        const targets = yield* balancer.statusCandidates(server)
        const attempt = Effect.firstSuccessOf(
          targets.map((target) =>
            fetchBackendStatus({ ...request, server, target, connectTimeout }).pipe(
              Effect.tapError((e) => Effect.logDebug(`status from ${target.text} failed: ${e.message}`))
            )
          )
        )
        const fetched = yield* attempt.pipe(Effect.timeoutOption(config.limits.statusTimeout), Effect.option)
        if (fetched._tag === "Some" && fetched.value._tag === "Some") return fetched.value.value
        const entry = motdEntry("unreachable", server.config.motd, config.defaultMotd)
        return statusJson({
          text: entry?.text ?? DEFAULT_STATE_TEXT.unreachable,
          versionName: entry?.versionName ?? "infrarust-ts",
          protocol,
          maxPlayers: entry?.maxPlayers ?? server.config.maxPlayers,
          onlinePlayers: sessions.countForServer(server.id),
          favicon: entry?.favicon
        })
      })
      // Without a cache there is nothing to answer from but the proxy's own MOTD for
      // unknown domains.
      const respondWithoutBackend = (request: StatusRequest) =>
        request.route === undefined ? Effect.asSome(respond(request)) : Effect.succeedNone
      return StatusService.of({ respond, respondWithoutBackend })
    })
  )
}
