/**
 * Receiving the PROXY protocol header (`receive_proxy_protocol = true`), per connection and
 * off the accept path, under `[limits] proxy_protocol_timeout`.
 *
 * Trust boundary: with `trusted_proxies` set, only those peers may tell us who the client is;
 * anyone else is refused before a byte is read. Without the list every peer is believed, as in
 * Infrarust — the start-up log warns about it. A v1 UNKNOWN or v2 LOCAL header (load balancer
 * health checks) keeps the peer's own address.
 *
 * Every failure names the mismatch, because "Disconnected" with no reason is the classic
 * symptom of a load balancer and proxy that disagree about PROXY protocol.
 */
import { Duration, Effect } from "effect"
import { traced } from "../observability/Tracing.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { cidrSetOf } from "../address/Cidr.ts"
import { normalizeRemoteAddress } from "../address/IpAddress.ts"
import { decodeProxyHeader, isNotProxyHeader, MAX_V2_PAYLOAD_LENGTH } from "../proxy-protocol/ProxyHeader.ts"
import type { Endpoint } from "../address/Endpoint.ts"
import { type Inbound, nextOr } from "../socket/Inbound.ts"
import { countRejection } from "../security/Admission.ts"
import { type Refusal, refuse } from "../security/Refusal.ts"

const TIMED_OUT = Symbol("timed out")

/** Largest header we wait for: a v2 header with its TLVs. */
const MAX_HEADER_BYTES = 16 + MAX_V2_PAYLOAD_LENGTH

export const receiveProxyHeader = Effect.fnUntraced(function*(
  inbound: Inbound,
  peer: Endpoint,
  config: ProxyConfig
): Effect.fn.Return<Endpoint | Refusal> {
  const trusted = cidrSetOf(config.trustedProxies)
  if (trusted.cidrs.length > 0 && !trusted.contains(peer.address)) {
    yield* countRejection("untrusted_proxy")
    return refuse("Warn", `refused ${peer.address}: it is not in trusted_proxies, and receive_proxy_protocol requires a PROXY header from a trusted load balancer`, undefined, "untrusted PROXY peer")
  }
  const timeout = config.limits.proxyProtocolTimeout
  const header = yield* nextOr(inbound, "PROXY header", decodeProxyHeader, MAX_HEADER_BYTES, timeout, () => Effect.succeed(TIMED_OUT)).pipe(
    Effect.result
  )
  if (header._tag === "Failure") {
    const e = header.failure
    if (e._tag === "ClientClosed") return refuse("Debug", `${peer.address} closed before sending a PROXY header`)
    if (isNotProxyHeader(e)) {
      return refuse(
        "Warn",
        `PROXY protocol mismatch: ${peer.address} sent no PROXY header (${e.detail}); receive_proxy_protocol = true expects your load balancer to send one (HAProxy: send-proxy-v2, nginx: proxy_protocol on)`,
        undefined,
        "PROXY protocol mismatch"
      )
    }
    return refuse("Warn", `broken PROXY header from ${peer.address}: ${e.message}`, undefined, "broken PROXY header")
  }
  if (header.success === TIMED_OUT) {
    return refuse("Debug", `no PROXY header from ${peer.address} within ${Duration.format(timeout)}`)
  }
  const source = header.success.source
  return source === undefined ? peer : { address: normalizeRemoteAddress(source.address), port: source.port }
}, traced("proxy.proxy_protocol"))
