/**
 * What the backend receives before the relay starts: an optional PROXY v2 header carrying the
 * real client address, then the handshake — the client's own bytes unless `domain_rewrite`
 * says otherwise.
 *
 * With `domain_rewrite = "none"` the original frame goes out byte for byte (case, FML markers
 * and all). `explicit` and `from_backend` re-encode it with the new host; protocol, port and
 * next state stay as the client sent them (Infrarust turns a transfer into a login here; we
 * keep the backend's own transfer policy in charge).
 */
import type { ServerConfig } from "../config/ServerConfig.ts"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { encodeHandshake, type Handshake } from "../protocol/Handshake.ts"
import { parseIp } from "../address/IpAddress.ts"
import { encodeProxyHeaderV2 } from "../proxy-protocol/ProxyHeader.ts"
import { Result } from "effect"
import type { Endpoint } from "../address/Endpoint.ts"

/** The host the backend should see, or undefined to forward the client's bytes unchanged. */
const rewrittenHost = (server: ServerConfig): string | undefined => {
  switch (server.domainRewrite._tag) {
    case "None":
      return undefined
    case "Explicit":
      return server.domainRewrite.host
    case "FromBackend":
      // Infrarust's documented rule: the host of the first entry in `addresses`.
      return server.addresses[0]?.host
  }
}

/**
 * The handshake frame for the backend. `raw` is the client's frame; `nextState` overrides
 * the intent (status probes on behalf of a cache always ask for status).
 */
export const backendHandshake = (
  server: ServerConfig,
  handshake: Handshake,
  raw: Uint8Array,
  nextState: Handshake["nextState"] = handshake.nextState
): Uint8Array => {
  const host = rewrittenHost(server)
  if (host === undefined && nextState === handshake.nextState) return raw
  const encoded = encodeHandshake({ ...handshake, serverAddress: host ?? handshake.serverAddress, nextState })
  // Only an address over 32767 chars could fail, and config hosts are far shorter.
  return isEncodedBytes(encoded) ? encoded : raw
}

/**
 * PROXY v2 header for the backend: source = the real client (after our own PROXY
 * resolution, port included — Infrarust drops it), destination = the address the client
 * connected to on this proxy. Undefined when an address is not an IP (cannot happen for
 * accepted TCP sockets, but a header with a made-up address would be worse than none).
 */
export const proxyHeaderFor = (client: Endpoint, local: Endpoint): Uint8Array | undefined => {
  const source = parseIp(client.address)
  const destination = parseIp(local.address)
  if (Result.isFailure(source) || Result.isFailure(destination)) return undefined
  return encodeProxyHeaderV2(
    { address: source.success, port: client.port },
    { address: destination.success, port: local.port }
  )
}
