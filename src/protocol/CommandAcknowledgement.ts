/**
 * What a backend must still hear about a chat command the proxy answered itself.
 *
 * From 1.19.1 a chat command also acknowledges the chat messages the player has seen since its
 * last chat packet; a backend that never gets those acknowledgements counts them as pending, and
 * vanilla disconnects a player with too many. So when the proxy consumes a command, it sends the
 * backend the Message Acknowledgement packet the command stood for:
 *
 * - 1.19.1-1.19.2 (protocol 760): `chat_command` = command, timestamp, salt, argument
 *   signatures (name + VarInt-length signature), signed-preview flag, then the last-seen list and
 *   the last rejected message, which is exactly Message Acknowledgement's payload;
 * - 1.19.3-1.20.4 `chat_command`, and 1.20.5+ `chat_command_signed`: command, timestamp, salt,
 *   argument signatures (name + 256 bytes), then `messageCount` (the offset), the acknowledged
 *   bitset (and from 1.21.5 a checksum): Message Acknowledgement is that offset, needed when not 0;
 * - 1.19 and older, plain `chat`, and 1.20.5+'s unsigned `chat_command`: nothing to send.
 *
 * Layouts: minecraft-data's protocol.json per version.
 */
import { ByteWriter } from "./ByteWriter.ts"
import { PacketReader } from "./PacketReader.ts"
import { malformed, type ProtocolError } from "./ProtocolError.ts"
import { PROTOCOL_1_19_1, PROTOCOL_1_19_3, PROTOCOL_1_20_5 } from "./ProtocolVersion.ts"
import { MAX_STRING_CHARS } from "./Utf8.ts"

export type CommandPacket = "chat" | "chat_command" | "chat_command_signed"

/** Vanilla's bounds: at most 8 signed arguments, names of at most 16 characters, 256-byte signatures. */
const MAX_SIGNED_ARGUMENTS = 8
const MAX_ARGUMENT_NAME = 16
const SIGNATURE_BYTES = 256

const skipSignatures = (r: PacketReader, fixedLength: boolean): void => {
  const n = r.varInt("argument_signatures")
  if (n < 0 || n > MAX_SIGNED_ARGUMENTS) return r.fail(malformed("chat_command.argument_signatures", `${n} signatures, limit ${MAX_SIGNED_ARGUMENTS}`))
  for (let i = 0; i < n && !r.failed; i++) {
    r.string(MAX_ARGUMENT_NAME, "argument_name")
    if (fixedLength) r.fixed(SIGNATURE_BYTES, "signature")
    else r.byteArray(SIGNATURE_BYTES, "signature")
  }
}

/**
 * The Message Acknowledgement payload owed to the backend for a consumed command packet
 * `packet` of `protocol`, `undefined` when none is owed, or why the packet cannot be read.
 */
export const acknowledgementOf = (protocol: number, packet: CommandPacket, payload: Uint8Array): Uint8Array | undefined | ProtocolError => {
  const signed = protocol < PROTOCOL_1_20_5 ? packet === "chat_command" : packet === "chat_command_signed"
  if (protocol < PROTOCOL_1_19_1 || !signed) return undefined
  const r = new PacketReader(payload, packet)
  r.string(MAX_STRING_CHARS, "command")
  r.i64("timestamp")
  r.i64("salt")
  if (protocol < PROTOCOL_1_19_3) {
    skipSignatures(r, false)
    r.bool("signed_preview")
    const tail = r.rest(payload.length, "previous_messages")
    return r.finish() ?? tail.slice()
  }
  skipSignatures(r, true)
  const offset = r.varInt("message_count")
  // The bitset and checksum after it are the command's own business.
  const failed = r.finish(true)
  if (failed !== undefined) return failed
  if (offset < 0) return malformed(`${packet}.message_count`, `negative offset ${offset}`)
  return offset === 0 ? undefined : new ByteWriter(5).varInt(offset).finish()
}
