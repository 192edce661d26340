/**
 * Framing for a leg with a given compression threshold (negative = off): new packets by
 * vanilla's sender rule, and frames read on one leg re-framed for another with the least work.
 * The functions plan a frame (what follows the length prefix); FrameWriter writes the plan.
 *
 * What receivers validate (so what a re-framed frame must satisfy):
 * - vanilla `CompressionDecoder` (1.8–1.16 always, 1.17+ on the server side): a compressed
 *   frame whose declared size is below the threshold is rejected ("Badly compressed packet -
 *   size of N is below server threshold"), and so is one above the maximum (2 MiB before
 *   1.17, 8 MiB since);
 * - Velocity `MinecraftCompressDecoder`: the same below-threshold rejection;
 * - neither checks a frame sent uncompressed (data length 0): any size is accepted.
 * So the rule used here: a compressed body may be kept as it is when its declared size is at
 * least the receiver's threshold; otherwise it is inflated. An uncompressed body is never
 * deflated for the relay's sake (only when it no longer fits in a frame, 2^21 - 1 bytes).
 * New packets follow vanilla's `CompressionEncoder`: compressed when size >= threshold.
 */
import { MAX_FRAME_LENGTH } from "../protocol/Frame.ts"
import { type ProtocolError, tooLarge } from "../protocol/ProtocolError.ts"
import { varIntByteLength, writeVarInt } from "../protocol/VarInt.ts"
import { deflateBody, MAX_UNCOMPRESSED_LENGTH } from "./Compression.ts"
import type { ReadFrame } from "./ReadFrame.ts"

/** A frame to write: `VarInt length | [VarInt dataLength] | data`. */
export interface FramePlan {
  /** -1: no data-length field (compression off); 0: `data` is the plain body; else its uncompressed size. */
  readonly dataLength: number
  /** The plain body (`VarInt id | payload`) or, when `dataLength` > 0, its zlib stream. */
  readonly data: Uint8Array
  /** Total wire bytes (length prefix included). */
  readonly size: number
}

/**
 * The frame of a new packet `body` (`VarInt id | payload`) on a leg with this threshold:
 * compressed when the leg has compression and the body is at least the threshold.
 */
export const planPacket = (body: Uint8Array, threshold: number): FramePlan | ProtocolError => {
  if (threshold < 0) return plan(-1, body)
  if (body.length > MAX_UNCOMPRESSED_LENGTH) {
    return tooLarge("packet", `${body.length} bytes uncompressed, limit ${MAX_UNCOMPRESSED_LENGTH}`)
  }
  return body.length < threshold ? plan(0, body) : compressed(body)
}

/**
 * `frame` (read on any leg) for a leg with this threshold: `undefined` when its own wire bytes
 * are already valid there (forward them as they are), else the frame to write, or an error.
 */
export const planReframe = (frame: ReadFrame, threshold: number): FramePlan | ProtocolError | undefined => {
  const source = frame.threshold
  if (threshold < 0) {
    if (source < 0) return undefined
    const body = frame.packet()
    return body instanceof Uint8Array ? plan(-1, body) : body
  }
  if (source >= 0) {
    if (frame.dataLength === 0 || frame.dataLength >= threshold) return undefined
    const body = frame.packet()
    return body instanceof Uint8Array ? plan(0, body) : body
  }
  const body = frame.bytes.subarray(frame.bodyStart, frame.end)
  // Only a body too big for an uncompressed frame is deflated (it is above any sane threshold).
  if (body.length + 1 <= MAX_FRAME_LENGTH || body.length < threshold) return plan(0, body)
  return compressed(body)
}

/** Writes `p` at `out[at]` (room for `p.size` bytes); returns the offset after it. */
export const writePlan = (p: FramePlan, out: Uint8Array, at: number): number => {
  const fieldBytes = p.dataLength < 0 ? 0 : varIntByteLength(p.dataLength)
  let pos = writeVarInt(out, at, fieldBytes + p.data.length)
  if (p.dataLength >= 0) pos = writeVarInt(out, pos, p.dataLength)
  out.set(p.data, pos)
  return pos + p.data.length
}

/** A plan, or TooLarge when the frame would be over 2^21 - 1 bytes (vanilla's frame limit). */
const plan = (dataLength: number, data: Uint8Array): FramePlan | ProtocolError => {
  const length = (dataLength < 0 ? 0 : varIntByteLength(dataLength)) + data.length
  if (length > MAX_FRAME_LENGTH) return tooLarge("frame.length", `${length} bytes, limit ${MAX_FRAME_LENGTH}`)
  return { dataLength, data, size: varIntByteLength(length) + length }
}

const compressed = (body: Uint8Array): FramePlan | ProtocolError => {
  const z = deflateBody(body)
  return z instanceof Uint8Array ? plan(body.length, z) : z
}
