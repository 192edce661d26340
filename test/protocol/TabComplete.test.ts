/**
 * Tab completion packets against minecraft-protocol in both eras (1.12.2 and 1.13+, tooltips as
 * JSON until 1.20.2 and NBT after): requests it writes decode, answers we write it reads; and
 * totality on arbitrary bytes.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import mc from "minecraft-protocol"
import { isProtocolError } from "../../src/protocol/ProtocolError.ts"
import { decodeTabRequest, encodeTabAnswer } from "../../src/protocol/TabComplete.ts"

const VERSIONS: ReadonlyArray<readonly [string, number]> = [["1.8.8", 47], ["1.12.2", 340], ["1.13.2", 404], ["1.20.2", 764], ["1.21.4", 769], ["26.1", 775]]

const payloadOf = (buffer: Buffer): Uint8Array => {
  let at = 0
  while ((buffer[at]! & 0x80) !== 0) at++
  return new Uint8Array(buffer.subarray(at + 1))
}

describe("TabComplete", () => {
  it("decodes minecraft-protocol's requests and writes answers it reads, in every era", () => {
    for (const [version, protocol] of VERSIONS) {
      const client = mc.createSerializer({ state: "play", isServer: false, version } as never)
      const request = protocol >= 393
        ? { transactionId: 42, text: "/ir s" }
        : { text: "/ir s", assumeCommand: false, lookedAtBlock: undefined, block: undefined }
      const decoded = decodeTabRequest(protocol, payloadOf(client.createPacketBuffer({ name: "tab_complete", params: request })))
      assert.deepStrictEqual(decoded, { transactionId: protocol >= 393 ? 42 : undefined, text: "/ir s" }, version)

      const answer = encodeTabAnswer(protocol, { transactionId: 42, start: 4, length: 1, matches: ["send", "server"] })
      if (isProtocolError(answer)) assert.fail(answer.message)
      const server = mc.createSerializer({ state: "play", isServer: true, version } as never)
      const empty = server.createPacketBuffer({ name: "tab_complete", params: protocol >= 393 ? { transactionId: 0, start: 0, length: 0, matches: [] } : { matches: [] } })
      const idLength = empty.length - (protocol >= 393 ? 4 : 1)
      const packet = Buffer.concat([empty.subarray(0, idLength), answer])
      const parsed = mc.createDeserializer({ state: "play", isServer: false, version } as never).parsePacketBuffer(packet).data.params as Record<string, unknown>
      if (protocol >= 393) {
        assert.deepStrictEqual(parsed, { transactionId: 42, start: 4, length: 1, matches: [{ match: "send", tooltip: undefined }, { match: "server", tooltip: undefined }] }, version)
      } else {
        assert.deepStrictEqual(parsed, { matches: ["send", "server"] }, version)
      }
    }
  })

  it("totality: any bytes decode to a request or a ProtocolError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(340, 769), (bytes, protocol) => {
      const r = decodeTabRequest(protocol, bytes)
      assert.isTrue(isProtocolError(r) || typeof r.text === "string")
    }), { numRuns: 1000 })
  })

  it("round trip: a request we could read back is the one written", () => {
    fc.assert(fc.property(fc.nat({ max: 1 << 20 }), fc.string({ maxLength: 40 }), (transactionId, text) => {
      const encoded = new Uint8Array([...varInt(transactionId), ...varInt(Buffer.byteLength(text)), ...Buffer.from(text)])
      assert.deepStrictEqual(decodeTabRequest(769, encoded), { transactionId, text })
    }))
  })
})

const varInt = (n: number): Array<number> => {
  const out: Array<number> = []
  do {
    out.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0))
    n >>>= 7
  } while (n > 0)
  return out
}
