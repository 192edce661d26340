/**
 * PROXY protocol version 1: one US-ASCII line, `PROXY TCP4|TCP6|UNKNOWN ...\r\n` (spec 2.1).
 *
 * Invariant: the line is read whole before any address is parsed (the spec requires waiting for
 * CRLF), but bytes that no valid line could contain at their position are refused as they
 * arrive: an unknown protocol word, a byte outside the line's alphabet, a bare CR or LF, or a
 * line already longer than its protocol's maximum without CRLF.
 */
import { Result } from "effect"
import { type Decode, done, needMore } from "../protocol/Decode.ts"
import { malformed, type ProtocolError, tooLarge } from "../protocol/ProtocolError.ts"
import { formatIp, type IpAddress, normalizeIp, parseIp } from "../address/IpAddress.ts"
import type { IpEndpoint, ProxyEndpoint, ProxyHeader } from "./ProxyHeader.ts"

/** "PROXY" (spec 2.1: "Seeing this string indicates that this is version 1"). */
export const V1_SIGNATURE = new Uint8Array([0x50, 0x52, 0x4f, 0x58, 0x59])

/** Longest line, CRLF included: "PROXY UNKNOWN" with two full IPv6 addresses (spec 2.1). */
export const MAX_V1_LINE_LENGTH = 107
/** Longest TCP4 line, "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n" (spec 2.1). */
const MAX_TCP4_LINE_LENGTH = 56
/** Longest protocol word, "UNKNOWN". */
const MAX_PROTOCOL_LENGTH = 7
/** Highest TCP port (spec 2.1: "in the range [0..65535]"). */
const MAX_PORT = 65535

const CR = 0x0d
const LF = 0x0a
const SPACE = 0x20

type Protocol = "TCP4" | "TCP6" | "UNKNOWN"
const PROTOCOLS: ReadonlyArray<Protocol> = ["TCP4", "TCP6", "UNKNOWN"]

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66)

/** Bytes a line may hold after the protocol word, before CRLF. */
const alphabet: Record<Protocol, (c: number) => boolean> = {
  TCP4: (c) => isDigit(c) || c === 0x2e || c === SPACE,
  // Dots too: inet_ntop-style senders write v4-mapped addresses as ::ffff:1.2.3.4.
  TCP6: (c) => isHex(c) || c === 0x3a || c === 0x2e || c === SPACE,
  // The spec says to ignore what follows UNKNOWN, but it is still a line of US-ASCII text.
  UNKNOWN: (c) => c >= SPACE && c < 0x7f
}

/** A protocol word ends at a space or where the line ends (a bare LF is refused later). */
const endsWord = (c: number | undefined): boolean => c === SPACE || c === CR || c === LF

const maxLine = (protocol: Protocol): number => protocol === "TCP4" ? MAX_TCP4_LINE_LENGTH : MAX_V1_LINE_LENGTH

/** Printable ASCII as is, anything else as \xNN, for error messages. */
const show = (bytes: Uint8Array): string =>
  Array.from(bytes, (b) => b >= SPACE && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`)
    .join("")

/** Bytes to a string; a plain loop, since spreading a typed array is slow in V8. */
const ascii = (bytes: Uint8Array, from: number, to: number): string => {
  let text = ""
  for (let i = from; i < to; i++) text += String.fromCharCode(bytes[i] ?? 0)
  return text
}

const parsePort = (text: string, field: string): number | ProtocolError => {
  // No leading zeros (spec 2.1: "to avoid any possible confusion with octal numbers").
  if (!/^(0|[1-9][0-9]{0,4})$/.test(text)) return malformed(field, `"${text}" is not a decimal port without leading zeros`)
  const port = Number(text)
  return port > MAX_PORT ? malformed(field, `port ${port} is over ${MAX_PORT}`) : port
}

const parseAddress = (text: string, protocol: "TCP4" | "TCP6", field: string): string | ProtocolError => {
  const parsed = parseIp(text)
  if (Result.isFailure(parsed)) return malformed(field, parsed.failure.message)
  const family = protocol === "TCP4" ? 4 : 6
  if (parsed.success.family !== family) return malformed(field, `"${text}" is not an IPv${family} address (${protocol} line)`)
  return formatIp(parsed.success)
}

const parseEndpoint = (
  protocol: "TCP4" | "TCP6",
  addressText: string,
  portText: string,
  side: "source" | "destination"
): ProxyEndpoint | ProtocolError => {
  const address = parseAddress(addressText, protocol, `proxy.v1.${side}_address`)
  if (typeof address !== "string") return address
  const port = parsePort(portText, `proxy.v1.${side}_port`)
  return typeof port === "number" ? { address, port } : port
}

/** Parses a complete line (without CRLF) whose protocol word is already known to be valid. */
const parseLine = (line: string, protocol: Protocol, headerLength: number): ProxyHeader | ProtocolError => {
  // Spec 2.1: for UNKNOWN "the receiver must ignore anything presented before the CRLF".
  if (protocol === "UNKNOWN") return { version: 1, command: "proxy", headerLength }
  const parts = line.split(" ")
  if (parts.length !== 6 || parts.some((part) => part.length === 0)) {
    return malformed("proxy.v1.line", `expected "PROXY ${protocol} <src> <dst> <sport> <dport>" with single spaces`)
  }
  const [, , srcAddress = "", dstAddress = "", srcPort = "", dstPort = ""] = parts
  const source = parseEndpoint(protocol, srcAddress, srcPort, "source")
  if (!("port" in source)) return source
  const destination = parseEndpoint(protocol, dstAddress, dstPort, "destination")
  if (!("port" in destination)) return destination
  return { version: 1, command: "proxy", source, destination, headerLength }
}

/** Decodes a v1 line at `offset`; the caller has seen the 5 bytes "PROXY" there. */
export const decodeProxyHeaderV1 = (bytes: Uint8Array, offset: number): Decode<ProxyHeader> => {
  const end = bytes.length
  const wordStart = offset + V1_SIGNATURE.length + 1
  if (end <= offset + V1_SIGNATURE.length) return needMore
  if (bytes[offset + V1_SIGNATURE.length] !== SPACE) {
    return malformed("proxy.v1.line", `expected a space after "PROXY", got "${show(bytes.subarray(offset, offset + 6))}"`)
  }
  // The protocol word ends at a space or the line end; check it against the names as it arrives.
  let wordEnd = wordStart
  while (wordEnd < end && wordEnd - wordStart <= MAX_PROTOCOL_LENGTH && !endsWord(bytes[wordEnd])) wordEnd++
  const word = ascii(bytes, wordStart, wordEnd)
  const complete = wordEnd < end && endsWord(bytes[wordEnd])
  const protocol = PROTOCOLS.find((p) => complete ? p === word : p.startsWith(word))
  if (protocol === undefined) {
    return malformed(
      "proxy.v1.protocol",
      `unknown protocol "${show(bytes.subarray(wordStart, wordEnd + 1))}", expected TCP4, TCP6 or UNKNOWN`
    )
  }
  if (!complete) return needMore
  if (protocol !== "UNKNOWN" && bytes[wordEnd] === CR) {
    return malformed("proxy.v1.line", `a ${protocol} line needs addresses and ports before CRLF`)
  }
  // Find CRLF within the protocol's maximum, refusing bytes no valid line has.
  const limit = offset + maxLine(protocol)
  const allowed = alphabet[protocol]
  for (let i = wordEnd; i < end && i < limit; i++) {
    const c = bytes[i] ?? 0
    if (c === CR) {
      if (i + 1 >= limit) break
      if (i + 1 >= end) return needMore
      // Spec 2.1: "must not tolerate a single CR or LF character to end the line".
      if (bytes[i + 1] !== LF) return malformed("proxy.v1.line", "CR not followed by LF")
      const parsed = parseLine(ascii(bytes, offset, i), protocol, i + 2 - offset)
      return "headerLength" in parsed ? done(parsed, i + 2) : parsed
    }
    if (c === LF) return malformed("proxy.v1.line", "LF without CR")
    if (!allowed(c)) return malformed("proxy.v1.line", `byte 0x${c.toString(16).padStart(2, "0")} cannot appear in a ${protocol} line`)
  }
  return end >= limit
    ? tooLarge("proxy.v1.line", `no CRLF within the first ${maxLine(protocol)} bytes of a ${protocol} line`)
    : needMore
}

/**
 * Encodes a v1 line. Both sides IPv4 (mapped IPv6 counts as IPv4) gives TCP4; otherwise TCP6,
 * with an IPv4 side written `::ffff:a.b.c.d` since one line has one family.
 */
export const encodeProxyHeaderV1 = (source: IpEndpoint, destination: IpEndpoint): Uint8Array => {
  const src = normalizeIp(source.address)
  const dst = normalizeIp(destination.address)
  const v4 = src.family === 4 && dst.family === 4
  const text = (ip: IpAddress): string => formatIp(v4 ? ip : { family: 6, bytes: ip.bytes })
  const line = `PROXY ${v4 ? "TCP4" : "TCP6"} ${text(src)} ${text(dst)} ${source.port & 0xffff} ${destination.port & 0xffff}\r\n`
  return Uint8Array.from(line, (ch) => ch.charCodeAt(0))
}
