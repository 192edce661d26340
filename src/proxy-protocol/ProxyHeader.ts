/**
 * The PROXY protocol header (HAProxy, versions 1 and 2) that a trusted load balancer sends
 * before the client's own bytes, carrying the real client address.
 *
 * Spec: haproxy.org/download/2.6/doc/proxy-protocol.txt (cited below as "spec 2.1" etc.).
 * This file owns version detection; `ProxyHeaderV1.ts` and `ProxyHeaderV2.ts` own the formats.
 *
 * Invariant: the answer comes as early as the bytes allow. Every prefix of a valid header is
 * `NeedMore`, and a byte that cannot continue either signature fails at once, so a client that
 * speaks Minecraft straight away (first byte 0x10 or so) is refused on its first byte instead of
 * after a timeout. That failure is told apart from a broken PROXY header by its `field`, see
 * {@link isNotProxyHeader}.
 */
import { type Decode, needMore } from "../protocol/Decode.ts"
import { malformed, type ProtocolError } from "../protocol/ProtocolError.ts"
import type { IpAddress } from "../address/IpAddress.ts"
import { decodeProxyHeaderV1, V1_SIGNATURE } from "./ProxyHeaderV1.ts"
import { decodeProxyHeaderV2, V2_SIGNATURE } from "./ProxyHeaderV2.ts"

export { encodeProxyHeaderV1 } from "./ProxyHeaderV1.ts"
export { encodeProxyHeaderV2, encodeProxyHeaderV2Local, MAX_V2_PAYLOAD_LENGTH } from "./ProxyHeaderV2.ts"
export { MAX_V1_LINE_LENGTH } from "./ProxyHeaderV1.ts"

/** An address and port as carried in a header; `address` is canonical text (see `formatIp`). */
export interface ProxyEndpoint {
  readonly address: string
  readonly port: number
}

/** An address and port to put into a header. */
export interface IpEndpoint {
  readonly address: IpAddress
  /** 0-65535, as Node reports socket ports; other numbers are taken modulo 2^16. */
  readonly port: number
}

export interface ProxyHeader {
  readonly version: 1 | 2
  /**
   * "local": a v2 LOCAL header, the proxy's own connection (a health check). Version 1 has no
   * commands, so every v1 header is "proxy".
   */
  readonly command: "proxy" | "local"
  /**
   * The real client. Absent for v1 UNKNOWN, v2 LOCAL and v2 PROXY headers whose family carries
   * no TCP address (UNSPEC, UDP, UNIX): the caller then keeps the TCP peer address.
   */
  readonly source?: ProxyEndpoint
  /** The address the client connected to; absent exactly when `source` is. */
  readonly destination?: ProxyEndpoint
  /** Bytes the header took on the wire, TLVs included. */
  readonly headerLength: number
}

/** `field` of the error returned when the bytes are not a PROXY header at all. */
export const NOT_PROXY_HEADER_FIELD = "proxy.signature"

/**
 * True when the error means "the peer sent no PROXY header" (typically a client connecting
 * straight to a port that expects one), as opposed to a PROXY header that is broken, whose
 * fields are `proxy.v1.*` or `proxy.v2.*`.
 */
export const isNotProxyHeader = (error: ProtocolError): boolean => error.field === NOT_PROXY_HEADER_FIELD

/** How many leading bytes to show when refusing input that is not a PROXY header. */
const SHOWN_BYTES = 8

const notProxyHeader = (bytes: Uint8Array, offset: number): ProtocolError => {
  const shown = Array.from(bytes.subarray(offset, offset + SHOWN_BYTES), (b) => b.toString(16).padStart(2, "0"))
  return malformed(
    NOT_PROXY_HEADER_FIELD,
    `expected a PROXY protocol header ("PROXY " or the v2 signature), got bytes ${shown.join(" ")}`
  )
}

/** Compares the available part of `signature` at `offset`: "match" needs every byte present. */
export const matchSignature = (bytes: Uint8Array, offset: number, signature: Uint8Array): "match" | "partial" | "mismatch" => {
  const available = Math.min(signature.length, bytes.length - offset)
  for (let i = 0; i < available; i++) {
    if (bytes[offset + i] !== signature[i]) return "mismatch"
  }
  return available === signature.length ? "match" : "partial"
}

/**
 * Decodes a v1 or v2 header at `offset`. On `Done`, `offset` points at the first byte after the
 * header (the client's own data), which is left untouched.
 *
 * Detection follows spec 2.2 ("a receiver may be configured to support both versions"): the
 * 12-byte v2 signature or the 5 bytes "PROXY"; anything else is refused with
 * {@link NOT_PROXY_HEADER_FIELD}. Their first bytes (0x0D, 'P') differ, so one byte decides.
 */
export const decodeProxyHeader = (bytes: Uint8Array, offset: number): Decode<ProxyHeader> => {
  if (offset >= bytes.length) return needMore
  const signature = bytes[offset] === V2_SIGNATURE[0] ? V2_SIGNATURE : V1_SIGNATURE
  switch (matchSignature(bytes, offset, signature)) {
    case "mismatch":
      return notProxyHeader(bytes, offset)
    case "partial":
      return needMore
    case "match":
      return signature === V2_SIGNATURE ? decodeProxyHeaderV2(bytes, offset) : decodeProxyHeaderV1(bytes, offset)
  }
}
