/**
 * CIDR blocks (`10.0.0.0/8`, `2001:db8::/32`, bare addresses) and compiled sets of them, for
 * trusted-proxy lists, bans and allow lists; plus {@link ipv6Prefix}, the network key used to
 * bucket IPv6 clients (one /64 is usually one subscriber).
 *
 * Invariant: matching happens in the 128-bit space of {@link IpAddress}, where IPv4 lives at
 * `::ffff:0:0/96`. An IPv4 rule `a.b.c.d/n` is the IPv6 rule `::ffff:a.b.c.d/(96+n)`, so it
 * matches an IPv4 client whether the client is written `1.2.3.4` or `::ffff:1.2.3.4` (as Node
 * reports clients of a dual-stack socket). The flip side: an IPv6 rule that covers the mapped
 * range (`::/0`, `::ffff:0:0/96`) also matches IPv4 clients.
 */
import { Result } from "effect"
import { AddressError } from "./AddressError.ts"
import { formatIp, type IpAddress, normalizeIp, parseIp, parseRemoteAddress } from "./IpAddress.ts"
import { TextMemo } from "./TextMemo.ts"

export interface Cidr {
  /** Family the block was written in; decides how it is formatted and what `bits` counts. */
  readonly family: 4 | 6
  /** The network address, host bits cleared. */
  readonly network: IpAddress
  /** Prefix length in the family's own terms: 0-32 for IPv4, 0-128 for IPv6. */
  readonly bits: number
}

/** Prefix limits: the address widths of IPv4 (RFC 791) and IPv6 (RFC 4291). */
const IPV4_BITS = 32
const IPV6_BITS = 128
/** Where IPv4 sits in the mapped form: after 96 bits (RFC 4291 section 2.5.5.2). */
const MAPPED_IPV4_PREFIX = 96

/** The address as four unsigned 32-bit words, most significant first. */
const toWords = (bytes: Uint8Array): Array<number> => {
  const words: Array<number> = []
  for (let w = 0; w < 4; w++) {
    const i = w * 4
    words.push((((bytes[i] ?? 0) << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0)) >>> 0)
  }
  return words
}

/** The mask of a 128-bit prefix as four 32-bit words. */
const maskWords = (prefix: number): Array<number> => {
  const words: Array<number> = []
  for (let w = 0; w < 4; w++) {
    const inWord = Math.max(0, Math.min(32, prefix - w * 32))
    words.push(inWord === 0 ? 0 : (0xffffffff << (32 - inWord)) >>> 0)
  }
  return words
}

/** The mask of byte `i` (0-15) of a 128-bit prefix. */
const byteMask = (prefix: number, i: number): number => (0xff00 >> Math.max(0, Math.min(8, prefix - i * 8))) & 0xff

/** The address with every bit after the first `prefix` (of 128) cleared. */
const maskAddress = (ip: IpAddress, prefix: number): IpAddress => {
  const bytes = new Uint8Array(16)
  for (let i = 0; i < 16; i++) bytes[i] = (ip.bytes[i] ?? 0) & byteMask(prefix, i)
  return { family: ip.family, bytes }
}

const prefix128 = (cidr: Cidr): number => cidr.family === 4 ? MAPPED_IPV4_PREFIX + cidr.bits : cidr.bits

/**
 * Parses `address/bits` or a bare address (a /32 or /128). The prefix is plain decimal with no
 * sign or leading zeros, at most 32 for IPv4 and 128 for IPv6.
 *
 * Host bits set below the prefix (`10.0.0.1/8`) are accepted and cleared, giving `10.0.0.0/8`,
 * as iptables, nftables and most proxies do; rejecting them would break configs copied from
 * those tools. The stored `network` is always the masked one.
 */
export const parseCidr = (input: string): Result.Result<Cidr, AddressError> => {
  const slash = input.indexOf("/")
  const addressText = slash === -1 ? input : input.slice(0, slash)
  const parsed = parseIp(addressText)
  if (Result.isFailure(parsed)) {
    return Result.fail(new AddressError({ input, detail: `bad address "${addressText}": ${parsed.failure.detail}` }))
  }
  const ip = parsed.success
  const max = ip.family === 4 ? IPV4_BITS : IPV6_BITS
  if (slash === -1) return Result.succeed({ family: ip.family, network: ip, bits: max })
  const bitsText = input.slice(slash + 1)
  const family = ip.family === 4 ? "IPv4" : "IPv6"
  if (!/^(0|[1-9][0-9]{0,2})$/.test(bitsText)) {
    return Result.fail(
      new AddressError({ input, detail: `prefix length must be a whole number 0-${max} after '/', got "${bitsText}"` })
    )
  }
  const bits = Number(bitsText)
  if (bits > max) {
    return Result.fail(new AddressError({ input, detail: `${family} prefix length must be 0-${max}, got ${bits}` }))
  }
  const offset = ip.family === 4 ? MAPPED_IPV4_PREFIX : 0
  return Result.succeed({ family: ip.family, network: maskAddress(ip, offset + bits), bits })
}

/** `network/bits` in canonical text; `parseCidr(formatCidr(c))` gives `c` back. */
export const formatCidr = (cidr: Cidr): string => `${formatIp(cidr.network)}/${cidr.bits}`

/** True when `ip` is inside `cidr` (IPv4 and IPv4-mapped IPv6 are the same address here). */
export const cidrContains = (cidr: Cidr, ip: IpAddress): boolean => {
  const prefix = prefix128(cidr)
  for (let i = 0; i < 16; i++) {
    if (((ip.bytes[i] ?? 0) & byteMask(prefix, i)) !== (cidr.network.bytes[i] ?? 0)) return false
  }
  return true
}

/** A compiled list of CIDR blocks. */
export interface CidrSet {
  readonly cidrs: ReadonlyArray<Cidr>
  /**
   * True when the address is in any block. Text is parsed as Node reports remote addresses
   * (a zone id is dropped); text that is not an address is in no block.
   */
  readonly contains: (ip: string | IpAddress) => boolean
}

/** Compiles blocks once so `contains` only compares words. An empty set contains nothing. */
export const makeCidrSet = (cidrs: Iterable<Cidr>): CidrSet => {
  const list = [...cidrs]
  // The common case (no trusted proxies, no filter): skip parsing the client's address.
  if (list.length === 0) return { cidrs: list, contains: () => false }
  // Flattened [net0..net3, mask0..mask3] per block: a hot path for every accepted connection.
  const table = new Uint32Array(list.length * 8)
  list.forEach((cidr, i) => {
    table.set(toWords(cidr.network.bytes), i * 8)
    table.set(maskWords(prefix128(cidr)), i * 8 + 4)
  })
  const containsIp = (ip: IpAddress): boolean => {
    const words = toWords(ip.bytes)
    const w0 = words[0] ?? 0, w1 = words[1] ?? 0, w2 = words[2] ?? 0, w3 = words[3] ?? 0
    for (let i = 0; i < table.length; i += 8) {
      if (
        ((w0 & (table[i + 4] ?? 0)) >>> 0) === table[i] &&
        ((w1 & (table[i + 5] ?? 0)) >>> 0) === table[i + 1] &&
        ((w2 & (table[i + 6] ?? 0)) >>> 0) === table[i + 2] &&
        ((w3 & (table[i + 7] ?? 0)) >>> 0) === table[i + 3]
      ) return true
    }
    return false
  }
  return {
    cidrs: list,
    contains: (ip) => {
      if (typeof ip !== "string") return containsIp(ip)
      const parsed = parseRemoteAddress(ip)
      return Result.isSuccess(parsed) && containsIp(parsed.success)
    }
  }
}

/** Parses every entry; fails with the first bad one (its `input` names the entry). */
export const parseCidrSet = (inputs: ReadonlyArray<string>): Result.Result<CidrSet, AddressError> => {
  const cidrs: Array<Cidr> = []
  for (const input of inputs) {
    const cidr = parseCidr(input)
    if (Result.isFailure(cidr)) return Result.fail(cidr.failure)
    cidrs.push(cidr.success)
  }
  return Result.succeed(makeCidrSet(cidrs))
}

const emptySet = makeCidrSet([])
const compiledSets = new WeakMap<ReadonlyArray<string>, CidrSet>()

/**
 * The compiled set of a config list, cached per array so each reload compiles once and the
 * old set goes away with the config that held it. Config lists were validated when decoded;
 * a list that still fails to parse matches nothing.
 */
export const cidrSetOf = (list: ReadonlyArray<string>): CidrSet => {
  let set = compiledSets.get(list)
  if (set === undefined) {
    const parsed = parseCidrSet(list)
    set = Result.isSuccess(parsed) ? parsed.success : emptySet
    compiledSets.set(list, set)
  }
  return set
}

/**
 * A stable key for the network an address belongs to, for bucketing clients.
 *
 * IPv6 addresses give their /`bits` network in canonical text (`2001:db8:1:2::/64`); `bits` is
 * rounded down and clamped to 0-128. IPv4 clients, written either way, give their plain address
 * (`1.2.3.4`): one IPv4 address is already the smallest unit a client gets, and a /64 of the
 * mapped form would put every IPv4 client in one bucket. Text that is not an address is
 * returned unchanged, so it still keys consistently.
 */
export const ipv6Prefix = (ip: string | IpAddress, bits: number): string => {
  if (typeof ip !== "string") return prefixOf(ip, bits)
  // Keyed per connection (pending bounds, rate limits): remembered, as normalizeRemoteAddress is.
  const key = `${bits} ${ip}`
  return prefixes.get(key) ?? prefixes.set(key, prefixOf(ip, bits))
}

const prefixes = new TextMemo(4096)

const prefixOf = (ip: string | IpAddress, bits: number): string => {
  let address: IpAddress
  if (typeof ip === "string") {
    const parsed = parseRemoteAddress(ip)
    if (Result.isFailure(parsed)) return ip
    address = parsed.success
  } else {
    address = ip
  }
  const normal = normalizeIp(address)
  if (normal.family === 4) return formatIp(normal)
  const clamped = Number.isFinite(bits) ? Math.max(0, Math.min(IPV6_BITS, Math.floor(bits))) : IPV6_BITS
  return `${formatIp(maskAddress(normal, clamped))}/${clamped}`
}
