/**
 * Connecting a login's backend, in every mode: the Balancer's candidates are dialled in order
 * with the per-attempt connect timeout (`[timeouts] connect`, else `connect_timeout`), TCP
 * keepalive as on the player's leg, and the PROXY v2 header first when the server wants one. The
 * Balancer reports each attempt (health, metrics, the warning line) and counts the link against
 * its backend. The socket belongs to the caller's Scope: a session's backend leg (intercepted
 * modes) or the session's own scope (forwarding modes).
 */
import { Context, Effect, Option, References, type Scope } from "effect"
import { Balancer } from "../backend/Balancer.ts"
import { dial, NoBackendReachable } from "../backend/BackendDialer.ts"
import { proxyHeaderFor } from "../backend/BackendHandshake.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { connectTimeoutOf } from "../config/ServerConfig.ts"
import { timeBackendConnect } from "../observability/ConnectionReport.ts"
import { traced } from "../observability/Tracing.ts"
import type { HandshakeContext } from "../session/ConnectionContext.ts"
import type { BackendLink } from "../socket/BackendLink.ts"
import { keepaliveSettings } from "../socket/TcpKeepalive.ts"

export const connectBackend = (
  ctx: HandshakeContext,
  server: LoadedServer
): Effect.Effect<BackendLink, NoBackendReachable, Balancer | Scope.Scope> =>
  Effect.withFiber((fiber) => {
    const balancer = Context.getUnsafe(fiber.context, Balancer)
    const connectTimeout = connectTimeoutOf(server.config, ctx.config.connectTimeout)
    const preamble = server.config.sendProxyProtocol ? proxyHeaderFor(ctx.client, ctx.local) : undefined
    const keepalive = keepaliveSettings(ctx.config.keepalive)
    const tracing = fiber.getRef(References.TracerEnabled)
    const connected = balancer.connect(server, (target) =>
      dial({ host: target.host, port: target.port, address: target.text, connectTimeout, keepalive, preamble }).pipe(
        timeBackendConnect(server.id)
      ))
    // Inside the span: a login that finds no backend marks it failed.
    return Effect.flatMap(connected, (link) =>
      Option.isNone(link)
        ? Effect.fail(new NoBackendReachable({ server: server.id }))
        : tracing
        ? Effect.as(Effect.annotateCurrentSpan("proxy.backend", link.value.address), link.value)
        : Effect.succeed(link.value))
  }).pipe(traced("proxy.backend_connect", { kind: "client" }))
