/**
 * One server-list ping to one backend, as the proxy itself: PROXY v2 header first when the
 * server wants one, the handshake (status intent, host per `domain_rewrite`), the status
 * request, then the backend's status response JSON — kept as the raw string, so every field
 * the backend sent (Forge's `forgeData`, modded extras) survives.
 */
import { Duration, Effect } from "effect"
import { traced } from "../observability/Tracing.ts"
import { dial } from "./BackendDialer.ts"
import { backendHandshake, type Endpoint, proxyHeaderFor } from "./BackendHandshake.ts"
import { makeBackendReader, readFromBackend } from "./BackendReader.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { BackendTarget } from "../config/ServerConfig.ts"
import { type Handshake, NextState } from "../protocol/Handshake.ts"
import { malformed } from "../protocol/ProtocolError.ts"
import { decodeStatusClientbound, encodeStatusRequest, maxStatusClientboundFrameLength, MAX_STATUS_JSON_CHARS } from "../protocol/Status.ts"

export interface StatusProbe {
  readonly server: LoadedServer
  readonly target: BackendTarget
  /** The handshake to present (the client's, or a synthetic one for health checks). */
  readonly handshake: Handshake
  readonly rawHandshake: Uint8Array
  /** For the PROXY header, when the server has `send_proxy_protocol`. */
  readonly client: Endpoint
  readonly local: Endpoint
  readonly connectTimeout: Duration.Duration
  /**
   * The PROXY header to send instead of one built from `client`/`local` (health checks send a
   * v2 LOCAL header: there is no client to speak for). Only used with `send_proxy_protocol`.
   */
  readonly preamble?: Uint8Array | undefined
}

const MAX_RESPONSE_BYTES = maxStatusClientboundFrameLength(MAX_STATUS_JSON_CHARS) + 8

export const fetchBackendStatus = Effect.fnUntraced(function*(probe: StatusProbe) {
  const preamble = probe.server.config.sendProxyProtocol
    ? probe.preamble ?? proxyHeaderFor(probe.client, probe.local)
    : undefined
  const link = yield* dial({
    host: probe.target.host,
    port: probe.target.port,
    address: probe.target.text,
    connectTimeout: probe.connectTimeout,
    preamble
  })
  link.socket.write(backendHandshake(probe.server.config, probe.handshake, probe.rawHandshake, NextState.Status))
  link.socket.write(encodeStatusRequest())
  const reply = yield* readFromBackend(makeBackendReader(link), "status response", decodeStatusClientbound, MAX_RESPONSE_BYTES)
  if (reply._tag !== "StatusResponse") {
    return yield* malformed("status", "the backend answered the status request with a pong")
  }
  return reply.json
}, Effect.scoped, traced("proxy.backend_status"))
