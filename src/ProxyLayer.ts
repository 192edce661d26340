/**
 * The composition root: every service of the running proxy, wired in one place.
 *
 * Reading bottom-up: the global config store (watched file) → the servers directory →
 * the router → the per-connection services → the connection handler → the listener.
 * The listener is a Layer whose scope owns the accept loop; closing it (SIGINT/SIGTERM)
 * stops accepting and drains the live connections (see Listener.ts).
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Duration, Effect, Layer, Result, SubscriptionRef } from "effect"
import { Balancer } from "./backend/Balancer.ts"
import { parseHostPort } from "./config/HostPort.ts"
import { ProxyConfigStore } from "./config/ProxyConfigStore.ts"
import { ServersDirectory } from "./config/ServersDirectory.ts"
import { ConnectionHandler } from "./connection/ConnectionHandler.ts"
import { listen } from "./connection/Listener.ts"
import * as Observability from "./observability/Observability.ts"
import { LogThrottle } from "./observability/LogThrottle.ts"
import { IdleWatch } from "./relay/IdleWatch.ts"
import { ZeroCopy } from "./relay/ZeroCopy.ts"
import { Router } from "./routing/Router.ts"
import { BanList } from "./security/BanList.ts"
import { IpFilter } from "./security/IpFilter.ts"
import { RateLimiter } from "./security/RateLimiter.ts"
import { Sessions } from "./services/Sessions.ts"
import { StatusCache } from "./status/StatusCache.ts"
import { StatusService } from "./status/StatusService.ts"
import { describeServers } from "./StartupReport.ts"

export interface ProxyOptions {
  readonly configPath: string
  /** `--bind`, already validated; overrides `bind`. */
  readonly bind?: { readonly host: string; readonly port: number } | undefined
  /** Called once the listener is bound (tests learn the port this way). */
  readonly onListening?: ((address: { readonly host: string; readonly port: number }) => void) | undefined
}

/** `--bind` text → address, with the same rules as the config key. */
export const parseBindOption = (text: string) =>
  Result.mapError(parseHostPort(text, { portOptional: false, ipOnly: true, minPort: 0 }), (reason) => `--bind ${text}: ${reason}`)

const ListenerLive = (options: ProxyOptions) =>
  Layer.effectDiscard(
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      const config = yield* SubscriptionRef.get(store.config)
      const handler = yield* ConnectionHandler
      const router = yield* Router
      const bind = options.bind ?? config.bind
      const listening = yield* listen(
        {
          host: bind.host,
          port: bind.port,
          reusePort: config.soReuseport,
          maxConnections: config.maxConnections,
          keepAliveMs: Duration.toMillis(config.keepalive.time),
          shutdownTimeout: config.shutdownTimeout
        },
        handler.handle
      )
      const shown = bind.host.includes(":") ? `[${bind.host}]:${listening.address.port}` : `${bind.host}:${listening.address.port}`
      yield* Effect.logInfo(`listening on ${shown}`)
      if (config.receiveProxyProtocol && config.trustedProxies.length === 0) {
        yield* Effect.logWarning(
          "receive_proxy_protocol is on and trusted_proxies is empty: any client can claim any address with a forged PROXY header. List your load balancers in trusted_proxies."
        )
      }
      for (const line of describeServers(yield* SubscriptionRef.get(router.table))) yield* Effect.logInfo(line)
      options.onListening?.({ host: bind.host, port: listening.address.port })
    })
  )

export const ProxyLayer = (options: ProxyOptions) => {
  const config = ProxyConfigStore.layer(options.configPath)
  // Tracer, metrics endpoint and session meters sit under everything else (released last).
  const observability = Observability.layer.pipe(Layer.provideMerge(config))
  const servers = ServersDirectory.layer.pipe(Layer.provideMerge(observability))
  const routing = Router.layer.pipe(Layer.provideMerge(servers))
  const perConnection = Layer.mergeAll(Sessions.layer, IdleWatch.layer, ZeroCopy.layer, LogThrottle.layer)
  // The balancer follows the routing table (health checks per server) and reads live sessions.
  const balancing = Balancer.layer.pipe(Layer.provideMerge(perConnection), Layer.provideMerge(routing))
  // The status cache is its own layer so a test or a plugin can swap it.
  const status = StatusService.layer.pipe(Layer.provideMerge(StatusCache.layer), Layer.provideMerge(balancing))
  // Rate limits, bans and IP filters follow the live [rate_limit], [ban] and [ip_filter].
  const security = Layer.mergeAll(RateLimiter.layer, IpFilter.layer, BanList.layer).pipe(Layer.provideMerge(status))
  const handler = ConnectionHandler.layer.pipe(Layer.provideMerge(security))
  return ListenerLive(options).pipe(Layer.provide(handler), Layer.provide(NodeFileSystem.layer))
}
