/**
 * Uncompressed packet framing: `VarInt length | VarInt packet id | payload`, where length counts
 * the id and the payload. This is the only framing before login completes (compression is
 * switched on later, by the login state's Set Compression packet, and is out of scope here).
 *
 * Invariants: a length over the caller's limit is TooLarge as soon as the prefix shows it (at
 * most 3 prefix bytes are held before that decision, never the body); length 0 is Malformed
 * (the packet id is required); the packet id must lie inside the frame. Decoding copies
 * nothing: it returns offsets into `bytes`.
 * Source: https://minecraft.wiki/w/Java_Edition_protocol/Packets#Packet_format
 */
import type { Encoded } from "./ByteWriter.ts"
import { type Decode, done, needMore } from "./Decode.ts"
import { malformed, tooLarge } from "./ProtocolError.ts"
import { decodeVarInt, varIntByteLength, writeVarInt } from "./VarInt.ts"

/**
 * 2^21 - 1: vanilla reads the length with at most 3 VarInt bytes (`Varint21FrameDecoder`,
 * "length wider than 21-bit"), so no frame can be longer. Callers pass smaller limits for the
 * handshake, status and login states.
 */
export const MAX_FRAME_LENGTH = 2_097_151

/** The length prefix is a VarInt of at most 3 bytes (21 bits), as in vanilla. */
export const FRAME_LENGTH_MAX_BYTES = 3

/** Where a decoded frame sits in the input, so callers can forward the original bytes verbatim. */
export interface FrameBounds {
  /** Offset of the first length-prefix byte. */
  readonly frameStart: number
  /** Offset just past the frame (equal to the `Done` offset). */
  readonly frameEnd: number
}

export interface Frame extends FrameBounds {
  readonly packetId: number
  /** Payload = `bytes.subarray(payloadStart, payloadEnd)`, the bytes after the packet id. */
  readonly payloadStart: number
  readonly payloadEnd: number
}

/**
 * Decodes one frame at `offset`. `maxFrame` (clamped to {@link MAX_FRAME_LENGTH}) bounds the
 * length prefix, i.e. packet id + payload.
 */
export const decodeFrame = (
  bytes: Uint8Array,
  offset: number,
  maxFrame: number = MAX_FRAME_LENGTH
): Decode<Frame> => {
  const limit = Math.min(maxFrame, MAX_FRAME_LENGTH)
  let length = 0
  let at = offset
  for (let i = 0;; i++) {
    if (at >= bytes.length) return needMore
    const b = bytes[at++]!
    length |= (b & 0x7f) << (7 * i)
    if ((b & 0x80) === 0) break
    // More groups can only add to the length, so a partial sum over the limit is final. (The
    // sum is all we may assume: vanilla accepts zero-padded VarInts such as `85 80 00` = 5.)
    if (length > limit) return tooLarge("frame.length", `length prefix announces more than ${limit} bytes`)
    if (i === FRAME_LENGTH_MAX_BYTES - 1) return tooLarge("frame.length", "length prefix wider than 21 bits")
  }
  if (length > limit) return tooLarge("frame.length", `${length} bytes, limit ${limit}`)
  if (length === 0) return malformed("frame.length", "empty frame (no packet id)")
  const frameEnd = at + length
  if (frameEnd > bytes.length) return needMore
  const id = decodeVarInt(bytes, at, frameEnd)
  if (id._tag === "NeedMore") return malformed("frame.packet_id", "runs past the end of the frame")
  if (id._tag === "ProtocolError") return malformed("frame.packet_id", id.detail)
  if (id.value < 0) return malformed("frame.packet_id", `negative packet id ${id.value}`)
  return done({ packetId: id.value, frameStart: offset, frameEnd, payloadStart: id.offset, payloadEnd: frameEnd }, frameEnd)
}

/** Total wire size of a frame with this id and payload length. */
export const frameByteLength = (packetId: number, payloadLength: number): number => {
  const length = varIntByteLength(packetId) + payloadLength
  return varIntByteLength(length) + length
}

/** Frames `payload` under `packetId`; a frame over `maxFrame` is TooLarge. */
export const encodeFrame = (packetId: number, payload: Uint8Array, maxFrame: number = MAX_FRAME_LENGTH): Encoded => {
  const length = varIntByteLength(packetId) + payload.length
  const limit = Math.min(maxFrame, MAX_FRAME_LENGTH)
  if (length > limit) return tooLarge("frame.length", `${length} bytes, limit ${limit}`)
  const out = new Uint8Array(varIntByteLength(length) + length)
  const at = writeVarInt(out, writeVarInt(out, 0, length), packetId)
  out.set(payload, at)
  return out
}
