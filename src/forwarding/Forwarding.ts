/**
 * Player-info forwarding as the running proxy applies it: `[forwarding]` resolved against its
 * secret file at start-up and again whenever the table changes (ForwardingSetup.ts), and each
 * server's plan from its own `forwarding_mode`.
 *
 * A raw relay (passthrough, zero_copy, server_only, full) cannot answer a backend's
 * `velocity:player_info` request, so a server of that family whose plan is Velocity is a
 * configuration error: start-up stops and names it (Infrarust falls back to BungeeCord data
 * silently, which an unprepared backend then rejects). A server that becomes so through a hot
 * reload is reported, and its logins are refused with a message, until the files agree again.
 */
import { Context, Effect, Equal, FileSystem, Layer, Stream, SubscriptionRef } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { fileError } from "../config/ConfigError.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { configDirectory, resolveAgainst } from "../config/ConfigPaths.ts"
import { DEFAULT_SECRET_FILE, type ForwardingPlan, type ForwardingSetup, resolveForwarding, serverForwardingPlan } from "./ForwardingSetup.ts"

export interface ServerForwarding {
  readonly plan: ForwardingPlan
  /** The key that answers `velocity:player_info` (intercepted modes). */
  readonly velocitySecret: string | undefined
  /** Why logins to this server are refused, when its forwarding cannot work. */
  readonly refusal?: string
}

const rawRelay = (server: LoadedServer) => server.config.proxyMode !== "client_only" && server.config.proxyMode !== "offline"

const planOf = (setup: ForwardingSetup, server: LoadedServer): ServerForwarding => {
  const { plan } = serverForwardingPlan(setup, server.id, server.config.forwardingMode)
  if (plan._tag === "Velocity" && rawRelay(server)) {
    return {
      plan,
      velocitySecret: setup.velocitySecret,
      refusal: `server '${server.id}' (${server.file}) uses Velocity forwarding with proxy_mode "${server.config.proxyMode}": ` +
        `a raw relay cannot answer the backend's login plugin request. Use proxy_mode "offline" or "client_only", or ` +
        `forwarding_mode = "bungee_guard" (or "none") for this server`
    }
  }
  return { plan, velocitySecret: setup.velocitySecret }
}

export class Forwarding extends Context.Service<Forwarding, {
  /** What a login to `server` carries to its backend. */
  readonly planFor: (server: LoadedServer) => ServerForwarding
}>()("infrarust/forwarding/Forwarding") {
  static readonly layer = Layer.effect(
    Forwarding,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const directory = yield* ServersDirectory
      const fs = yield* FileSystem.FileSystem
      let table = (yield* SubscriptionRef.get(store.config)).forwarding
      // Without a [forwarding] table the default secret file sits beside the config file, too.
      const defaultSecret = resolveAgainst(configDirectory(store.path), DEFAULT_SECRET_FILE)
      let setup = yield* resolveForwarding(table, defaultSecret)
      const servers = yield* SubscriptionRef.get(directory.servers)
      for (const s of servers) {
        const refusal = planOf(setup, s).refusal
        if (refusal !== undefined) return yield* fileError(s.path, "InvalidValue", refusal, "forwarding_mode")
      }
      for (const s of servers) {
        const { problem } = serverForwardingPlan(setup, s.id, s.config.forwardingMode)
        if (problem !== undefined) yield* Effect.logWarning(problem)
      }
      // A changed [forwarding] table is resolved again; changed servers are checked again.
      yield* SubscriptionRef.changes(store.config).pipe(
        Stream.filter((config) => !Equal.equals(config.forwarding, table)),
        Stream.runForEach((config) =>
          Effect.gen(function*() {
            table = config.forwarding
            setup = yield* resolveForwarding(table, defaultSecret)
          }).pipe(Effect.provideService(FileSystem.FileSystem, fs))
        ),
        Effect.forkScoped
      )
      yield* SubscriptionRef.changes(directory.servers).pipe(
        Stream.drop(1),
        Stream.runForEach((list) => Effect.forEach(list, (s) => {
          const refusal = planOf(setup, s).refusal
          return refusal === undefined ? Effect.void : Effect.logError(`${refusal}; its logins are refused until this is fixed`)
        }, { discard: true })),
        Effect.forkScoped
      )
      return Forwarding.of({ planFor: (server) => planOf(setup, server) })
    })
  )
}
