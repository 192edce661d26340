/**
 * Connection contexts (src/session/ConnectionContext.ts) for tests that call a stage or a
 * service directly, as the pipeline would after routing.
 */
import { Schema } from "effect"
import type { Endpoint } from "../../src/address/Endpoint.ts"
import { ProxyConfig } from "../../src/config/ProxyConfig.ts"
import { isEncodedBytes } from "../../src/protocol/ByteWriter.ts"
import { encodeHandshake, type NextState } from "../../src/protocol/Handshake.ts"
import type { LegacyPingRequest } from "../../src/protocol/LegacyPing.ts"
import type { Route } from "../../src/routing/Router.ts"
import { type ConnectionContext, type HandshakeContext, type LegacyPingOpening, NO_PROTOCOL } from "../../src/session/ConnectionContext.ts"

export const LOOPBACK: Endpoint = { address: "127.0.0.1", port: 40000 }

/** Every key at its default. */
export const defaultConfig = (): ProxyConfig => Schema.decodeUnknownSync(ProxyConfig)({})

export const handshakeContext = (options: {
  readonly host: string
  readonly route: Route | undefined
  readonly nextState: NextState
  readonly protocol?: number
  readonly config?: ProxyConfig
  readonly client?: Endpoint
}): HandshakeContext => {
  const protocol = options.protocol ?? 765
  const handshake = { protocolVersion: protocol, serverAddress: options.host, serverPort: 25565, nextState: options.nextState }
  const raw = encodeHandshake(handshake)
  if (!isEncodedBytes(raw)) throw new Error(`cannot encode a handshake for ${options.host}`)
  return {
    peer: options.client ?? LOOPBACK,
    client: options.client ?? LOOPBACK,
    local: LOOPBACK,
    opening: { _tag: "Handshake", handshake: { ...handshake, frameStart: 0, frameEnd: raw.length }, raw },
    host: options.host,
    route: options.route,
    protocolVersion: protocol,
    config: options.config ?? defaultConfig()
  }
}

export const legacyContext = (request: LegacyPingRequest, route: Route | undefined, config: ProxyConfig = defaultConfig()): ConnectionContext<LegacyPingOpening> => ({
  peer: LOOPBACK,
  client: LOOPBACK,
  local: LOOPBACK,
  opening: { _tag: "LegacyPing", request, raw: new Uint8Array(0) },
  host: request._tag === "V1_6" ? request.host : "",
  route,
  protocolVersion: NO_PROTOCOL,
  config
})
