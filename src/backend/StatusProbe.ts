/**
 * One server-list ping to one backend, as the proxy itself: an optional PROXY v2 header first,
 * the handshake (status intent, host per `domain_rewrite`: the caller builds both), the status
 * request, then the backend's status response JSON — kept as the raw string, so every field
 * the backend sent (Forge's `forgeData`, modded extras) survives.
 */
import type { Duration } from "effect"
import { Effect } from "effect"
import { traced } from "../observability/Tracing.ts"
import type { BackendTarget } from "../config/ServerConfig.ts"
import { malformed } from "../protocol/ProtocolError.ts"
import { decodeStatusClientbound, encodeStatusRequest, maxStatusClientboundFrameLength, MAX_STATUS_JSON_CHARS } from "../protocol/Status.ts"
import { dial } from "./BackendDialer.ts"
import { makeBackendReader, readFromBackend } from "./BackendReader.ts"

/** What the probe says before asking: the PROXY header (when the server wants one) and the handshake frame. */
export interface ProbeHello {
  readonly preamble: Uint8Array | undefined
  readonly handshake: Uint8Array
}

const MAX_RESPONSE_BYTES = maxStatusClientboundFrameLength(MAX_STATUS_JSON_CHARS) + 8

export const fetchBackendStatus = Effect.fnUntraced(function*(
  target: BackendTarget,
  hello: ProbeHello,
  connectTimeout: Duration.Duration
) {
  const link = yield* dial({
    host: target.host,
    port: target.port,
    address: target.text,
    connectTimeout,
    preamble: hello.preamble
  })
  link.socket.write(hello.handshake)
  link.socket.write(encodeStatusRequest())
  const reply = yield* readFromBackend(makeBackendReader(link), "status response", decodeStatusClientbound, MAX_RESPONSE_BYTES)
  if (reply._tag !== "StatusResponse") {
    return yield* malformed("status", "the backend answered the status request with a pong")
  }
  return reply.json
}, Effect.scoped, traced("proxy.backend_status"))
