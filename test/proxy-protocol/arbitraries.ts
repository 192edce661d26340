/**
 * Test-only generators and helpers shared by the proxy-protocol tests: IP addresses biased
 * towards the shapes formatting must get right (zero runs, IPv4-mapped), endpoints, byte
 * helpers (the protocol tests' own, re-exported), and a CRC32c (RFC 4960 appendix B) to
 * build the exact HAProxy vector with a valid checksum.
 */
import fc from "fast-check"
import type { IpAddress } from "../../src/address/IpAddress.ts"
import type { IpEndpoint } from "../../src/proxy-protocol/ProxyHeader.ts"
import { port as arbPort } from "../protocol/Helpers.ts"

export { concat, hex } from "../protocol/Helpers.ts"
export { arbPort }

export const arbIpv4: fc.Arbitrary<IpAddress> = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((quad) => {
  const bytes = new Uint8Array(16)
  bytes[10] = 0xff
  bytes[11] = 0xff
  bytes.set(quad, 12)
  return { family: 4, bytes }
})

/** Eight groups, often zero, so "::" placement and the single-zero rule are exercised. */
const arbGroups = fc.array(fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 0xffff })), {
  minLength: 8,
  maxLength: 8
})

export const arbIpv6: fc.Arbitrary<IpAddress> = fc.oneof(
  arbGroups.map((groups) => {
    const bytes = new Uint8Array(16)
    groups.forEach((g, i) => {
      bytes[2 * i] = g >> 8
      bytes[2 * i + 1] = g & 0xff
    })
    return { family: 6 as const, bytes }
  }),
  // IPv4-mapped, written as IPv6.
  arbIpv4.map((ip) => ({ family: 6 as const, bytes: ip.bytes }))
)

export const arbIp: fc.Arbitrary<IpAddress> = fc.oneof(arbIpv4, arbIpv6)

export const arbEndpoint: fc.Arbitrary<IpEndpoint> = fc.record({ address: arbIp, port: arbPort })

export const ascii = (text: string): Uint8Array => Uint8Array.from(text, (ch) => ch.charCodeAt(0))

/** CRC32c (Castagnoli, reflected polynomial 0x82F63B78), bitwise: tests only, speed is moot. */
export const crc32c = (bytes: Uint8Array): number => {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1
  }
  return (crc ^ 0xffffffff) >>> 0
}
