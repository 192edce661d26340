/**
 * PROXY protocol version 2: the binary header (spec 2.2). 16 fixed bytes (signature,
 * version/command, family/transport, big-endian length) then `length` bytes of addresses and
 * TLVs.
 *
 * Invariant: the declared length is bounded ({@link MAX_V2_PAYLOAD_LENGTH}) and checked against
 * the family's address block before anything is buffered for it, so a hostile length cannot make
 * the caller wait for or hold more than a few KiB. TLVs are skipped, not interpreted: the proxy
 * uses none of them (the spec lets a receiver ignore TLVs it does not support, CRC32C included).
 */
import { type Decode, done, needMore } from "../protocol/Decode.ts"
import { malformed, tooLarge } from "../protocol/ProtocolError.ts"
import { formatIp, type IpAddress, ipv4FromBytes, ipv6FromBytes, normalizeIp } from "../address/IpAddress.ts"
import type { IpEndpoint, ProxyHeader } from "./ProxyHeader.ts"

/** The 12-byte v2 signature (spec 2.2). */
export const V2_SIGNATURE = new Uint8Array([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a])

/** Signature, version/command, family, 2-byte length (spec 2.2, `struct proxy_hdr_v2`). */
const FIXED_LENGTH = 16
/**
 * Largest accepted length field (addresses plus TLVs). The spec sizes headers to fit a 536-byte
 * TCP segment but sets no cap on TLVs; the registered ones (unique id up to 128 bytes, authority
 * a host name, SSL strings) fit well within 4 KiB, which bounds what one connection can make us
 * hold before its first Minecraft byte.
 */
export const MAX_V2_PAYLOAD_LENGTH = 4096

/** Protocol version in the high nibble of byte 13: "must always be sent as \x2" (spec 2.2). */
const VERSION = 2
const COMMAND_LOCAL = 0x0
const COMMAND_PROXY = 0x1
/** Highest defined address family (AF_UNIX) and transport (DGRAM) nibbles (spec 2.2). */
const MAX_FAMILY = 0x3
const MAX_TRANSPORT = 0x2
/** The family/transport bytes with TCP addresses, and their address block sizes (spec 2.2). */
const TCP_OVER_IPV4 = 0x11
const TCP_OVER_IPV6 = 0x21
const IPV4_BLOCK = 2 * 4 + 2 * 2
const IPV6_BLOCK = 2 * 16 + 2 * 2
/** AF_UNIX blocks are two 108-byte paths (spec 2.2). */
const UNIX_BLOCK = 2 * 108

/** Minimum length field for a family byte under PROXY: its address block, or 0 for UNSPEC. */
const addressBlockSize = (family: number): number => {
  switch (family >> 4) {
    case 0x1:
      return (family & 0xf) === 0 ? 0 : IPV4_BLOCK
    case 0x2:
      return (family & 0xf) === 0 ? 0 : IPV6_BLOCK
    case 0x3:
      return (family & 0xf) === 0 ? 0 : UNIX_BLOCK
    default:
      return 0
  }
}

const u16 = (bytes: Uint8Array, i: number): number => ((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0)

/** Decodes a v2 header at `offset`; the caller has seen the full 12-byte signature there. */
export const decodeProxyHeaderV2 = (bytes: Uint8Array, offset: number): Decode<ProxyHeader> => {
  const available = bytes.length - offset
  // Each fixed byte is checked as soon as it arrives, so a bad one fails without waiting.
  if (available < 13) return needMore
  const versionCommand = bytes[offset + 12] ?? 0
  if (versionCommand >> 4 !== VERSION) {
    return malformed("proxy.v2.version", `version nibble is ${versionCommand >> 4}, only 2 is defined`)
  }
  const command = versionCommand & 0xf
  if (command !== COMMAND_LOCAL && command !== COMMAND_PROXY) {
    // Spec 2.2: "Receivers must drop connections presenting unexpected values here."
    return malformed("proxy.v2.command", `command ${command} is neither LOCAL (0) nor PROXY (1)`)
  }
  if (available < 14) return needMore
  const family = bytes[offset + 13] ?? 0
  // Under LOCAL the family "is ignored" (spec 2.2), so only PROXY headers are checked.
  if (command === COMMAND_PROXY && (family >> 4 > MAX_FAMILY || (family & 0xf) > MAX_TRANSPORT)) {
    return malformed("proxy.v2.family", `family/transport byte 0x${family.toString(16).padStart(2, "0")} is not defined`)
  }
  if (available < FIXED_LENGTH) return needMore
  const length = u16(bytes, offset + 14)
  if (length > MAX_V2_PAYLOAD_LENGTH) {
    return tooLarge("proxy.v2.length", `length ${length} is over the limit of ${MAX_V2_PAYLOAD_LENGTH}`)
  }
  const block = command === COMMAND_PROXY ? addressBlockSize(family) : 0
  if (length < block) {
    return malformed("proxy.v2.length", `length ${length} is shorter than the ${block}-byte address block`)
  }
  const headerLength = FIXED_LENGTH + length
  if (available < headerLength) return needMore
  const next = offset + headerLength
  if (command === COMMAND_LOCAL) return done({ version: 2, command: "local", headerLength }, next)
  const a = offset + FIXED_LENGTH
  if (family === TCP_OVER_IPV4) {
    const source = { address: formatIp(ipv4FromBytes(bytes, a)), port: u16(bytes, a + 8) }
    const destination = { address: formatIp(ipv4FromBytes(bytes, a + 4)), port: u16(bytes, a + 10) }
    return done({ version: 2, command: "proxy", source, destination, headerLength }, next)
  }
  if (family === TCP_OVER_IPV6) {
    const source = { address: formatIp(ipv6FromBytes(bytes, a)), port: u16(bytes, a + 32) }
    const destination = { address: formatIp(ipv6FromBytes(bytes, a + 16)), port: u16(bytes, a + 34) }
    return done({ version: 2, command: "proxy", source, destination, headerLength }, next)
  }
  // UNSPEC, UDP and UNIX: spec 2.2 lets a receiver that does not support a valid combination
  // fall back to UNSPEC, i.e. accept the connection and keep the real endpoint addresses.
  return done({ version: 2, command: "proxy", headerLength }, next)
}

const fixedHeader = (command: number, family: number, length: number): Uint8Array => {
  const out = new Uint8Array(FIXED_LENGTH + length)
  out.set(V2_SIGNATURE, 0)
  out[12] = (VERSION << 4) | command
  out[13] = family
  out[14] = length >> 8
  out[15] = length & 0xff
  return out
}

const putPort = (out: Uint8Array, i: number, port: number): void => {
  out[i] = (port >> 8) & 0xff
  out[i + 1] = port & 0xff
}

/**
 * Encodes a PROXY command over TCP. Both sides IPv4 (mapped IPv6 counts as IPv4) gives family
 * 0x11 (28 bytes); otherwise 0x21 (52 bytes), an IPv4 side sent as `::ffff:a.b.c.d`, because
 * one header carries one family.
 */
export const encodeProxyHeaderV2 = (source: IpEndpoint, destination: IpEndpoint): Uint8Array => {
  const src: IpAddress = normalizeIp(source.address)
  const dst: IpAddress = normalizeIp(destination.address)
  const a = FIXED_LENGTH
  if (src.family === 4 && dst.family === 4) {
    const out = fixedHeader(COMMAND_PROXY, TCP_OVER_IPV4, IPV4_BLOCK)
    out.set(src.bytes.subarray(12, 16), a)
    out.set(dst.bytes.subarray(12, 16), a + 4)
    putPort(out, a + 8, source.port)
    putPort(out, a + 10, destination.port)
    return out
  }
  // IpAddress keeps IPv4 in mapped form already, so the 16 bytes are the v6 address to send.
  const out = fixedHeader(COMMAND_PROXY, TCP_OVER_IPV6, IPV6_BLOCK)
  out.set(src.bytes, a)
  out.set(dst.bytes, a + 16)
  putPort(out, a + 32, source.port)
  putPort(out, a + 34, destination.port)
  return out
}

/** Encodes a LOCAL command with family UNSPEC and no addresses: 16 bytes (spec 2.2). */
export const encodeProxyHeaderV2Local = (): Uint8Array => fixedHeader(COMMAND_LOCAL, 0x00, 0)
