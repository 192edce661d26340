/**
 * Textual IPv4/IPv6 addresses: strict parsing into one 16-byte form and canonical formatting.
 *
 * Invariant: every {@link IpAddress} holds 16 bytes, IPv4 stored as the IPv4-mapped IPv6
 * address `::ffff:a.b.c.d` (RFC 4291 section 2.5.5.2), so CIDR matching compares one shape
 * whatever the client's family. `family` only remembers how the address was written, so
 * formatting gives it back in the same family; {@link normalizeIp} folds mapped IPv6 into
 * IPv4 so that logs, bans and rate-limit keys see one form per client.
 *
 * Parsing is strict on purpose (these strings come from PROXY headers and from config):
 * no leading zeros in IPv4 parts (they read as octal in some tools), no zone ids, no
 * surrounding whitespace.
 */
import { Result } from "effect"
import { AddressError } from "./AddressError.ts"
import { TextMemo } from "./TextMemo.ts"

export interface IpAddress {
  /** How the address was written: 4 for dotted quad, 6 for IPv6 text (mapped forms included). */
  readonly family: 4 | 6
  /** Always 16 bytes, network order; IPv4 as `::ffff:a.b.c.d`. Shared, never mutate. */
  readonly bytes: Uint8Array
}

/** Longest IPv6 text: six full groups and a dotted quad, "ffff:...:ffff:255.255.255.255" (45). */
const MAX_IPV6_TEXT = 45
/** Longest IPv4 text, "255.255.255.255". */
const MAX_IPV4_TEXT = 15
/** Byte offset of the IPv4 part inside the mapped form (RFC 4291 section 2.5.5.2). */
const MAPPED_IPV4_OFFSET = 12

const fail = (input: string, detail: string): Result.Result<never, AddressError> =>
  Result.fail(new AddressError({ input, detail }))

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39

const hexValue = (c: number): number =>
  c >= 0x30 && c <= 0x39 ? c - 0x30
  : c >= 0x61 && c <= 0x66 ? c - 0x57
  : c >= 0x41 && c <= 0x46 ? c - 0x37
  : -1

/** Parses a strict dotted quad into 4 bytes, or returns the reason it is not one. */
const parseDottedQuad = (text: string): Uint8Array | string => {
  if (text.length > MAX_IPV4_TEXT) return "is too long for an IPv4 address"
  const parts = text.split(".")
  if (parts.length !== 4) return "an IPv4 address has exactly 4 dot-separated parts"
  const out = new Uint8Array(4)
  for (let i = 0; i < 4; i++) {
    const part = parts[i] ?? ""
    if (part.length === 0 || part.length > 3) return "each IPv4 part is 1 to 3 decimal digits"
    let value = 0
    for (let j = 0; j < part.length; j++) {
      const c = part.charCodeAt(j)
      if (!isDigit(c)) return "each IPv4 part is 1 to 3 decimal digits"
      value = value * 10 + (c - 0x30)
    }
    // Leading zeros are ambiguous (octal in inet_aton), so the PROXY spec forbids them.
    if (part.length > 1 && part.charCodeAt(0) === 0x30) return "IPv4 parts must not have leading zeros"
    if (value > 255) return `IPv4 part ${part} is over 255`
    out[i] = value
  }
  return out
}

/** Parses colon-separated 1-4 digit hex groups (no "::") into 16-bit values, or a reason. */
const parseGroups = (text: string, allowTrailingQuad: boolean): Array<number> | string => {
  if (text.length === 0) return []
  const groups: Array<number> = []
  const parts = text.split(":")
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? ""
    if (allowTrailingQuad && i === parts.length - 1 && part.includes(".")) {
      const quad = parseDottedQuad(part)
      if (typeof quad === "string") return `has a bad embedded IPv4 part: ${quad}`
      groups.push(((quad[0] ?? 0) << 8) | (quad[1] ?? 0), ((quad[2] ?? 0) << 8) | (quad[3] ?? 0))
      continue
    }
    if (part.length === 0) return "has an empty group (a single ':' at an end, or ':::')"
    if (part.length > 4) return "IPv6 groups are 1 to 4 hex digits"
    let value = 0
    for (let j = 0; j < part.length; j++) {
      const h = hexValue(part.charCodeAt(j))
      if (h < 0) return `has a character that is not a hex digit in group "${part}"`
      value = (value << 4) | h
    }
    groups.push(value)
  }
  return groups
}

const parseIpv6 = (input: string): Result.Result<IpAddress, AddressError> => {
  if (input.includes("%")) return fail(input, "IPv6 zone ids (%...) are not allowed")
  if (input.length > MAX_IPV6_TEXT) return fail(input, "is too long for an IPv6 address")
  const gap = input.indexOf("::")
  if (gap !== -1 && input.indexOf("::", gap + 1) !== -1) return fail(input, "'::' may appear only once")
  const headText = gap === -1 ? input : input.slice(0, gap)
  const tailText = gap === -1 ? "" : input.slice(gap + 2)
  // An embedded dotted quad may only be the very last thing written.
  const head = parseGroups(headText, gap === -1)
  if (typeof head === "string") return fail(input, head)
  const tail = parseGroups(tailText, true)
  if (typeof tail === "string") return fail(input, tail)
  const written = head.length + tail.length
  if (gap === -1 && written !== 8) return fail(input, "an IPv6 address without '::' has 8 groups")
  // RFC 4291 section 2.2: "::" stands for one or more zero groups, never zero of them.
  if (gap !== -1 && written > 7) return fail(input, "'::' must replace at least one group")
  const groups = [...head, ...new Array<number>(8 - written).fill(0), ...tail]
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 8; i++) {
    const g = groups[i] ?? 0
    bytes[2 * i] = g >> 8
    bytes[2 * i + 1] = g & 0xff
  }
  return Result.succeed({ family: 6, bytes })
}

/** An IPv4 address from 4 bytes at `offset` (caller checked the bounds). */
export const ipv4FromBytes = (src: Uint8Array, offset: number): IpAddress => {
  const bytes = new Uint8Array(16)
  bytes[10] = 0xff
  bytes[11] = 0xff
  // Byte by byte: a subarray view per address costs more than the copy.
  for (let i = 0; i < 4; i++) bytes[MAPPED_IPV4_OFFSET + i] = src[offset + i] ?? 0
  return { family: 4, bytes }
}

/** An IPv6 address from 16 bytes at `offset` (caller checked the bounds). */
export const ipv6FromBytes = (src: Uint8Array, offset: number): IpAddress => ({
  family: 6,
  bytes: src.slice(offset, offset + 16)
})

/**
 * Parses an IPv4 dotted quad or an IPv6 text form (RFC 4291 section 2.2: hex groups, one
 * "::", an optional trailing dotted quad). Upper-case hex is accepted; zone ids are not.
 */
export const parseIp = (input: string): Result.Result<IpAddress, AddressError> => {
  if (input.length === 0) return fail(input, "is empty, expected an IP address")
  if (input.includes(":")) return parseIpv6(input)
  const quad = parseDottedQuad(input)
  if (typeof quad === "string") {
    return fail(input, /[^0-9.]/.test(input) ? "is not an IPv4 or IPv6 address" : quad)
  }
  return Result.succeed(ipv4FromBytes(quad, 0))
}

/** True for `::ffff:a.b.c.d`, whichever family it was written in. */
export const isIpv4Mapped = (ip: IpAddress): boolean => {
  const b = ip.bytes
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return false
  return b[10] === 0xff && b[11] === 0xff
}

/** Folds an IPv4-mapped IPv6 address into plain IPv4; other addresses are returned as they are. */
export const normalizeIp = (ip: IpAddress): IpAddress =>
  ip.family === 6 && isIpv4Mapped(ip) ? { family: 4, bytes: ip.bytes } : ip

const formatQuad = (b: Uint8Array): string =>
  `${b[MAPPED_IPV4_OFFSET]}.${b[MAPPED_IPV4_OFFSET + 1]}.${b[MAPPED_IPV4_OFFSET + 2]}.${b[MAPPED_IPV4_OFFSET + 3]}`

/**
 * Canonical text: a dotted quad for IPv4; for IPv6 the RFC 5952 form (lower case, no leading
 * zeros, the longest run of two or more zero groups as "::", the first one on a tie) except
 * that IPv4-mapped addresses keep the dotted quad, `::ffff:1.2.3.4` (RFC 5952 section 5).
 */
export const formatIp = (ip: IpAddress): string => {
  const b = ip.bytes
  if (ip.family === 4) return formatQuad(b)
  if (isIpv4Mapped(ip)) return `::ffff:${formatQuad(b)}`
  const groups: Array<number> = []
  for (let i = 0; i < 8; i++) groups.push(((b[2 * i] ?? 0) << 8) | (b[2 * i + 1] ?? 0))
  let bestStart = -1
  let bestLength = 1 // RFC 5952 section 4.2.2: a single zero group is never shortened.
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === 0) j++
    if (j - i > bestLength) {
      bestStart = i
      bestLength = j - i
    }
    i = j
  }
  const hex = (from: number, to: number): string => groups.slice(from, to).map((g) => g.toString(16)).join(":")
  if (bestStart === -1) return hex(0, 8)
  return `${hex(0, bestStart)}::${hex(bestStart + bestLength, 8)}`
}

/**
 * Parses an address as Node reports a socket's peer: like {@link parseIp}, except that a zone
 * id (`fe80::1%eth0`) is dropped rather than rejected, since it names a local interface and
 * not the client.
 */
export const parseRemoteAddress = (address: string): Result.Result<IpAddress, AddressError> => {
  const zone = address.indexOf("%")
  return parseIp(zone === -1 || !address.includes(":") ? address : address.slice(0, zone))
}

/** Every connection's address is normalised several times (pending bounds, bans, rate limits, logs). */
const normalized = new TextMemo(4096)

/**
 * The one text form to key a client by, from an address as Node reports it: Node shows IPv4
 * clients of a dual-stack socket as `::ffff:1.2.3.4`, which becomes `1.2.3.4`; IPv6 becomes
 * canonical RFC 5952 text without a zone id. Text that is not an address is returned unchanged.
 */
export const normalizeRemoteAddress = (address: string): string => {
  const known = normalized.get(address)
  if (known !== undefined) return known
  const parsed = parseRemoteAddress(address)
  return normalized.set(address, Result.isSuccess(parsed) ? formatIp(normalizeIp(parsed.success)) : address)
}
