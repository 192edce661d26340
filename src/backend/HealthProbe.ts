/**
 * One health check of one backend, as `[health_check] kind` says:
 * - `status`: a full server-list ping (handshake with status intent, status request) must be
 *   answered with a status response — a port that accepts but a server that hangs is down;
 * - `tcp`: a TCP connect is enough.
 *
 * With `send_proxy_protocol` every check starts with a PROXY v2 LOCAL header: there is no
 * client to speak for, LOCAL tells the receiver exactly that (it uses the socket's own
 * addresses), and receivers such as HAProxy `accept-proxy` or a PROXY-enabled server would
 * otherwise log a broken header for each check (SpigotMC/BungeeCord #3608, haproxy #511).
 *
 * Every probe is bounded by `[health_check] timeout` (a TCP check's polite close adds at most
 * 0.5 s and never fails it) and leaves no socket behind (its Scope closes it). A failure
 * carries a reason for the transition log line.
 */
import { Duration, Effect, Schema } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { BackendTarget, HealthCheckConfig } from "../config/ServerConfig.ts"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { encodeHandshake, type Handshake, NextState } from "../protocol/Handshake.ts"
import type { ProtocolError } from "../protocol/ProtocolError.ts"
import { encodeProxyHeaderV2Local } from "../proxy-protocol/ProxyHeader.ts"
import { endAndAwaitClose } from "../socket/GracefulClose.ts"
import { backendHandshake } from "./BackendHandshake.ts"
import { fetchBackendStatus } from "./StatusProbe.ts"
import { type BackendConnectError, dial } from "./BackendDialer.ts"
import type { BackendDataHandler } from "../socket/BackendLink.ts"

export class HealthCheckFailed extends Schema.TaggedError<HealthCheckFailed>()("HealthCheckFailed", {
  reason: Schema.String
}) {
  override get message(): string {
    return this.reason
  }
}

/** Checks one backend once; tests substitute their own. */
export type Probe = (
  server: LoadedServer,
  target: BackendTarget,
  check: HealthCheckConfig
) => Effect.Effect<void, HealthCheckFailed>

/** By convention a pinger that does not know the server's version sends protocol -1. */
const PING_PROTOCOL = -1

/** The host a check presents: the server's first plain domain, else the backend's host. */
const checkHost = (server: LoadedServer, target: BackendTarget): string =>
  server.config.domains.find((d) => !d.includes("*") && !d.includes("?")) ?? target.host

const LOCAL_HEADER = encodeProxyHeaderV2Local()

/**
 * One server-list ping to one backend as the proxy presents itself to it (host, PROXY header,
 * domain rewrite), answered with the backend's status JSON; health checks and the admin API's
 * live health view use it.
 */
export const pingBackend = (
  server: LoadedServer,
  target: BackendTarget,
  timeout: Duration.Duration
): Effect.Effect<string, HealthCheckFailed | BackendConnectError | ProtocolError> => {
  const handshake: Handshake = {
    protocolVersion: PING_PROTOCOL,
    serverAddress: checkHost(server, target),
    serverPort: target.port,
    nextState: NextState.Status
  }
  const raw = encodeHandshake(handshake)
  if (!isEncodedBytes(raw)) return Effect.fail(new HealthCheckFailed({ reason: `cannot encode a handshake: ${raw.message}` }))
  const hello = {
    preamble: server.config.sendProxyProtocol ? LOCAL_HEADER : undefined,
    handshake: backendHandshake(server.config, handshake, raw)
  }
  return fetchBackendStatus(target, hello, timeout)
}

const statusCheck = (server: LoadedServer, target: BackendTarget, check: HealthCheckConfig) =>
  pingBackend(server, target, check.timeout).pipe(Effect.asVoid)

/** How long a TCP check waits for the peer to close after our FIN before dropping the socket. */
const CLOSE_GRACE = Duration.millis(500)

const drain: BackendDataHandler = () => true

/** The connect is the check (bounded by `connectTimeout`); closing never fails it. */
const tcpCheck = (server: LoadedServer, target: BackendTarget, check: HealthCheckConfig) =>
  dial({
    host: target.host,
    port: target.port,
    address: target.text,
    connectTimeout: check.timeout,
    preamble: server.config.sendProxyProtocol ? LOCAL_HEADER : undefined
  }).pipe(
    // Closed without a reset (a reset shows up in a PROXY receiver's log as an aborted
    // session); whatever the backend sent meanwhile is read and dropped.
    Effect.flatMap((link) => {
      link.onData = drain
      return endAndAwaitClose(link.socket, undefined, CLOSE_GRACE)
    }),
    Effect.scoped
  )

export const probeBackend: Probe = (server, target, check) => {
  const once: Effect.Effect<void, HealthCheckFailed | BackendConnectError | ProtocolError> = check.kind === "tcp"
    ? tcpCheck(server, target, check)
    : statusCheck(server, target, check).pipe(
      Effect.timeoutOrElse({
        duration: check.timeout,
        orElse: () => Effect.fail(new HealthCheckFailed({ reason: `no status answer within ${Duration.format(check.timeout)}` }))
      })
    )
  return Effect.mapError(once, (e) => e._tag === "HealthCheckFailed" ? e : new HealthCheckFailed({ reason: e.message }))
}
