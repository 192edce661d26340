/**
 * A PROXY header where the first packet is expected: with receive_proxy_protocol off it is the
 * classic load-balancer mismatch; right after the header receive_proxy_protocol read, it is a
 * second header, and the message says so instead of claiming receiving is off.
 */
import { assert, describe, it } from "@effect/vitest"
import {
  decodeFirstPacket,
  DUPLICATE_PROXY_HEADER_FIELD,
  firstPacketDecoder,
  UNEXPECTED_PROXY_HEADER_FIELD
} from "../../src/connection/FirstPacket.ts"

const PROXY_V1 = Buffer.from("PROXY TCP4 203.0.113.9 198.51.100.1 40000 25565\r\n")
const PROXY_V2_SIGNATURE = Uint8Array.of(0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x0c)

describe("first packet: a PROXY header", () => {
  it("while receive_proxy_protocol is off: says so", () => {
    for (const bytes of [PROXY_V1, PROXY_V2_SIGNATURE]) {
      const r = decodeFirstPacket(bytes, 0)
      assert.strictEqual(r._tag, "ProtocolError")
      if (r._tag !== "ProtocolError") return
      assert.strictEqual(r.field, UNEXPECTED_PROXY_HEADER_FIELD)
      assert.include(r.message, "receive_proxy_protocol is off")
    }
  })

  it("after the one receive_proxy_protocol read: a second header, not 'receiving is off'", () => {
    for (const bytes of [PROXY_V1, PROXY_V2_SIGNATURE]) {
      const r = firstPacketDecoder(true)(bytes, 0)
      assert.strictEqual(r._tag, "ProtocolError")
      if (r._tag !== "ProtocolError") return
      assert.strictEqual(r.field, DUPLICATE_PROXY_HEADER_FIELD)
      assert.include(r.message, "a second PROXY protocol header")
      assert.notInclude(r.message, "is off")
    }
  })
})
