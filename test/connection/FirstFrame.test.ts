/**
 * When the arrival gate has the whole first unit of a connection (FirstFrame.ts): never before
 * the last byte of a PROXY header or handshake frame, always at it, whatever the split; at once
 * for legacy pings and for openings the pipeline must reject (malformed, oversized).
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { firstFrameReady, MAX_HELD_BYTES } from "../../src/connection/FirstFrame.ts"
import { encodeHandshake } from "../../src/protocol/Handshake.ts"
import { encodeProxyHeaderV1 } from "../../src/proxy-protocol/ProxyHeaderV1.ts"
import { encodeProxyHeaderV2 } from "../../src/proxy-protocol/ProxyHeaderV2.ts"
import { arbEndpoint } from "../proxy-protocol/arbitraries.ts"
import { bytesOf } from "../support/RawClient.ts"

const handshake = fc.record({
  protocolVersion: fc.integer({ min: 0, max: 1_000_000 }),
  serverAddress: fc.string({ minLength: 0, maxLength: 255 }),
  serverPort: fc.integer({ min: 0, max: 65535 }),
  nextState: fc.constantFrom(1, 2, 3)
}).map((h) => bytesOf(encodeHandshake(h as Parameters<typeof encodeHandshake>[0])))

const proxyHeader = fc.tuple(arbEndpoint, arbEndpoint, fc.boolean()).map(([source, destination, v2]) =>
  (v2 ? encodeProxyHeaderV2 : encodeProxyHeaderV1)(source, destination)
)

/** Ready exactly at the full length, for every prefix. */
const readyOnlyWhenWhole = (bytes: Uint8Array) => {
  for (let n = 0; n < bytes.length; n++) assert.isFalse(firstFrameReady(bytes.subarray(0, n)), `prefix of ${n}/${bytes.length}`)
  assert.isTrue(firstFrameReady(bytes))
}

describe("FirstFrame", () => {
  it("a handshake frame is ready at its last byte, not before", () => {
    fc.assert(fc.property(handshake, (bytes) => readyOnlyWhenWhole(bytes.length < MAX_HELD_BYTES ? bytes : bytes.subarray(0, 0))))
  })

  it("a PROXY v1 or v2 header is ready at its last byte, not before", () => {
    fc.assert(fc.property(proxyHeader, readyOnlyWhenWhole))
  })

  it("bytes after the unit do not matter", () => {
    fc.assert(fc.property(handshake, fc.uint8Array({ maxLength: 64 }), (bytes, rest) => {
      const both = new Uint8Array(bytes.length + rest.length)
      both.set(bytes)
      both.set(rest, bytes.length)
      assert.isTrue(firstFrameReady(both))
    }))
  })

  it("legacy pings, malformed lengths and oversized openings are ready at once", () => {
    assert.isTrue(firstFrameReady(Uint8Array.of(0xfe)))
    assert.isTrue(firstFrameReady(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0xff, 0x01)))
    assert.isTrue(firstFrameReady(new Uint8Array(MAX_HELD_BYTES).fill(0x80)))
    assert.isFalse(firstFrameReady(new Uint8Array(0)))
  })
})
