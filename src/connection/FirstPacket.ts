/**
 * What a connection opens with, decided from its first bytes (pure):
 * - a modern Handshake (1.7+);
 * - a pre-Netty server-list ping (0xFE: Beta 1.8, 1.4/1.5, 1.6);
 * - a pre-Netty login (0x02), which this proxy does not serve;
 * - a PROXY protocol header while `receive_proxy_protocol` is off — the most common load
 *   balancer mistake, so it gets its own clear message instead of "malformed handshake".
 *
 * A bare `FE` or `FE 01` may still be followed by more bytes a moment later, and a 1.6 ping
 * may be incomplete or non-standard (some status tools send UTF-8 strings); those cases are
 * `LegacyUndecided` and the caller waits briefly before settling them.
 */
import { type Decode, done, needMore } from "../protocol/Decode.ts"
import { decodeHandshake } from "../protocol/Handshake.ts"
import { decodeLegacyPing, detectLegacyPing, isLegacyLogin } from "../protocol/LegacyPing.ts"
import { unsupported } from "../protocol/ProtocolError.ts"
import { matchSignature } from "../proxy-protocol/ProxyHeader.ts"
import { V1_SIGNATURE } from "../proxy-protocol/ProxyHeaderV1.ts"
import { V2_SIGNATURE } from "../proxy-protocol/ProxyHeaderV2.ts"
import type { Opening } from "../session/ConnectionContext.ts"

export type FirstPacket = Opening | { readonly _tag: "LegacyUndecided" }

/** `field` of the error for a PROXY header that arrived while receiving them is off. */
export const UNEXPECTED_PROXY_HEADER_FIELD = "proxy.unexpected"
/** `field` of the error for a second PROXY header right after the one receive_proxy_protocol read. */
export const DUPLICATE_PROXY_HEADER_FIELD = "proxy.duplicate"
/** `field` of the error for a pre-1.7 login. */
export const LEGACY_LOGIN_FIELD = "legacy_login"

/**
 * Modern frames and PROXY headers share first bytes ('P' = a 80-byte frame, CR = a 13-byte
 * frame), but a handshake's second byte is its packet id 0x00 while the signatures continue
 * with 'R' and LF, so at most two bytes decide.
 */
const proxySignature = (bytes: Uint8Array, offset: number): "match" | "partial" | "mismatch" => {
  const v1 = matchSignature(bytes, offset, V1_SIGNATURE)
  const v2 = matchSignature(bytes, offset, V2_SIGNATURE)
  return v1 === "match" || v2 === "match" ? "match" : v1 === "partial" || v2 === "partial" ? "partial" : "mismatch"
}

/**
 * The decoder of the first packet; `afterProxyHeader` when receive_proxy_protocol already read a
 * PROXY header, so a second one is reported as what it is (two load balancers both adding one)
 * rather than as receiving being off.
 */
export const firstPacketDecoder = (afterProxyHeader: boolean) => (bytes: Uint8Array, offset: number): Decode<FirstPacket> =>
  decodeOpening(bytes, offset, afterProxyHeader)

export const decodeFirstPacket = (bytes: Uint8Array, offset: number): Decode<FirstPacket> => decodeOpening(bytes, offset, false)

const decodeOpening = (bytes: Uint8Array, offset: number, afterProxyHeader: boolean): Decode<FirstPacket> => {
  if (offset >= bytes.length) return needMore
  switch (proxySignature(bytes, offset)) {
    case "match":
      return afterProxyHeader
        ? unsupported(
          DUPLICATE_PROXY_HEADER_FIELD,
          "a second PROXY protocol header followed the first; only one may be sent (is something in front of the load balancer adding one too?)"
        )
        : unsupported(
          UNEXPECTED_PROXY_HEADER_FIELD,
          "the client sent a PROXY protocol header, but receive_proxy_protocol is off"
        )
    case "partial":
      return needMore
    case "mismatch":
      break
  }
  const legacy = detectLegacyPing(bytes, offset)
  if (legacy._tag === "NeedMore") return legacy
  if (legacy._tag === "Undecided") return done({ _tag: "LegacyUndecided" }, offset)
  if (legacy._tag === "V1_6") {
    // Incomplete or non-standard 1.6 pings are settled by the caller (see HandshakeStage).
    const ping = settleLegacyPing(bytes, offset)
    return ping._tag === "Done" ? ping : done({ _tag: "LegacyUndecided" }, offset)
  }
  if (isLegacyLogin(bytes, offset)) {
    return unsupported(LEGACY_LOGIN_FIELD, "a pre-1.7 client tried to log in; only its server-list ping is answered")
  }
  const handshake = decodeHandshake(bytes, offset)
  if (handshake._tag !== "Done") return handshake
  return done({ _tag: "Handshake", handshake: handshake.value, raw: bytes.slice(offset, handshake.offset) }, handshake.offset)
}

/**
 * What an unfinished legacy ping is answered as: `FE 01 …` gets the 1.4+ reply (the same
 * format 1.6 clients read), a bare `FE` the Beta one. Consumes everything pending.
 */
export const legacyFallback = (bytes: Uint8Array, offset: number): FirstPacket => ({
  _tag: "LegacyPing",
  request: bytes[offset + 1] === 0x01 ? { _tag: "V1_4" } : { _tag: "Beta" },
  raw: bytes.slice(offset)
})

/**
 * Decodes a legacy ping while more bytes may still arrive: a bare `FE`/`FE 01` is not final
 * (the caller settles it with {@link legacyFallback} once it stops waiting).
 */
export const settleLegacyPing = (bytes: Uint8Array, offset: number): Decode<FirstPacket> => {
  const r = decodeLegacyPing(bytes, offset, true)
  if (r._tag !== "Done") return r
  return done({ _tag: "LegacyPing", request: r.value, raw: bytes.slice(offset, r.offset) }, r.offset)
}
