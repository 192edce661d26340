/**
 * The acknowledgement owed to the backend when the proxy consumes a chat command: read from
 * commands minecraft-protocol writes in each layout (1.19.2's last-seen list, 1.19.3+'s offset,
 * 1.21.5's checksum), and the acknowledgement we write read back by minecraft-protocol.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import mc from "minecraft-protocol"
import { acknowledgementOf } from "../../src/protocol/CommandAcknowledgement.ts"
import { packetId } from "../../src/protocol/PacketIds.ts"
import { isProtocolError } from "../../src/protocol/ProtocolError.ts"

const payloadOf = (buffer: Buffer): Uint8Array => {
  let at = 0
  while ((buffer[at]! & 0x80) !== 0) at++
  return new Uint8Array(buffer.subarray(at + 1))
}
const clientPacket = (version: string, name: string, params: unknown) =>
  payloadOf(mc.createSerializer({ state: "play", isServer: false, version } as never).createPacketBuffer({ name, params }))
/** What a backend of `version` reads from a Message Acknowledgement with `payload`. */
const serverReads = (version: string, protocol: number, payload: Uint8Array) => {
  const id = packetId(protocol, "play", "serverbound", "message_acknowledgement")!
  return mc.createDeserializer({ state: "play", isServer: true, version } as never).parsePacketBuffer(Buffer.from([id, ...payload])).data.params
}

const signed = (messageCount: number) => ({
  command: "ir list",
  timestamp: 1n,
  salt: 2n,
  argumentSignatures: [{ argumentName: "message", signature: Buffer.alloc(256, 7) }],
  messageCount,
  acknowledged: Buffer.from([1, 0, 0]),
  checksum: 9
})

describe("CommandAcknowledgement", () => {
  it("1.19.3-1.20.4 chat_command and 1.20.5+ chat_command_signed: the offset, when not 0", () => {
    for (const [version, protocol, packet] of [["1.19.4", 762, "chat_command"], ["1.20.4", 765, "chat_command"], ["1.21.4", 769, "chat_command_signed"], ["1.21.5", 770, "chat_command_signed"]] as const) {
      const ack = acknowledgementOf(protocol, packet, clientPacket(version, packet, signed(3)))
      if (!(ack instanceof Uint8Array)) assert.fail(`${version}: ${String(ack)}`)
      assert.deepStrictEqual(serverReads(version, protocol, ack), { count: 3 }, version)
      assert.isUndefined(acknowledgementOf(protocol, packet, clientPacket(version, packet, signed(0))), version)
    }
  })

  it("1.19.1-1.19.2: the last-seen list and the last rejected message, as sent", () => {
    const previousMessages = [{ messageSender: "00000000-0000-0000-0000-000000000001", messageSignature: Buffer.alloc(8, 3) }]
    const lastRejectedMessage = { sender: "00000000-0000-0000-0000-000000000002", signature: Buffer.alloc(4, 5) }
    const payload = clientPacket("1.19.2", "chat_command", {
      command: "ir list",
      timestamp: 1n,
      salt: 2n,
      argumentSignatures: [{ argumentName: "message", signature: Buffer.alloc(12, 1) }],
      signedPreview: false,
      previousMessages,
      lastRejectedMessage
    })
    const ack = acknowledgementOf(760, "chat_command", payload)
    if (!(ack instanceof Uint8Array)) assert.fail(String(ack))
    const read = serverReads("1.19.2", 760, ack) as { previousMessages: Array<{ messageSender: string }>; lastRejectedMessage: { sender: string } }
    assert.strictEqual(read.previousMessages[0]!.messageSender, previousMessages[0]!.messageSender)
    assert.strictEqual(read.lastRejectedMessage.sender, lastRejectedMessage.sender)
  })

  it("nothing is owed for 1.19, plain chat and 1.20.5+'s unsigned chat_command", () => {
    assert.isUndefined(acknowledgementOf(759, "chat_command", clientPacket("1.19", "chat_command", { command: "x", timestamp: 1n, salt: 1n, argumentSignatures: [], signedPreview: false })))
    assert.isUndefined(acknowledgementOf(340, "chat", clientPacket("1.12.2", "chat", { message: "/ir" })))
    assert.isUndefined(acknowledgementOf(769, "chat_command", clientPacket("1.21.4", "chat_command", { command: "ir list" })))
  })

  it("totality: any bytes give an acknowledgement, nothing, or a ProtocolError", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), fc.constantFrom(760, 762, 769, 770), (bytes, protocol) => {
      const r = acknowledgementOf(protocol, protocol >= 766 ? "chat_command_signed" : "chat_command", bytes)
      assert.isTrue(r === undefined || r instanceof Uint8Array || isProtocolError(r))
    }), { numRuns: 1000 })
  })
})
