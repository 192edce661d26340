/**
 * Framing for a leg with a given compression threshold (negative = off): new packets by
 * vanilla's sender rule, and frames read on one leg re-framed for another with the least work.
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

/**
 * A frame for `body` (`VarInt id | payload`, uncompressed) on a leg with this threshold:
 * compressed when the leg has compression and the body is at least the threshold.
 */
export const encodeBody = (body: Uint8Array, threshold: number): Uint8Array | ProtocolError => {
  if (threshold < 0) return plainFrame(body)
  if (body.length > MAX_UNCOMPRESSED_LENGTH) {
    return tooLarge("packet", `${body.length} bytes uncompressed, limit ${MAX_UNCOMPRESSED_LENGTH}`)
  }
  return body.length < threshold ? uncompressedFrame(body) : compressedFrame(body)
}

/**
 * `frame` (read on any leg) for a leg with this threshold: `undefined` when its own wire bytes
 * are already valid there (forward them as they are), else new bytes or an error.
 */
export const reframe = (frame: ReadFrame, threshold: number): Uint8Array | ProtocolError | undefined => {
  const source = frame.threshold
  if (threshold < 0) {
    if (source < 0) return undefined
    const body = frame.packet()
    return body instanceof Uint8Array ? plainFrame(body) : body
  }
  if (source >= 0) {
    if (frame.dataLength === 0 || frame.dataLength >= threshold) return undefined
    const body = frame.packet()
    return body instanceof Uint8Array ? uncompressedFrame(body) : body
  }
  const body = frame.bytes.subarray(frame.bodyStart, frame.end)
  // Only a body too big for an uncompressed frame is deflated (it is above any sane threshold).
  if (body.length + 1 <= MAX_FRAME_LENGTH || body.length < threshold) return uncompressedFrame(body)
  return compressedFrame(body)
}

/** `VarInt length | body` (compression off). */
const plainFrame = (body: Uint8Array): Uint8Array | ProtocolError => {
  if (body.length > MAX_FRAME_LENGTH) return frameTooLarge(body.length)
  return framed(body.length, -1, body)
}

/** `VarInt length | 0 | body` (compression on, body sent as it is). */
const uncompressedFrame = (body: Uint8Array): Uint8Array | ProtocolError => {
  if (body.length + 1 > MAX_FRAME_LENGTH) return frameTooLarge(body.length + 1)
  return framed(body.length + 1, 0, body)
}

/** `VarInt length | VarInt uncompressed size | zlib(body)`. */
const compressedFrame = (body: Uint8Array): Uint8Array | ProtocolError => {
  const z = deflateBody(body)
  if (!(z instanceof Uint8Array)) return z
  const length = varIntByteLength(body.length) + z.length
  if (length > MAX_FRAME_LENGTH) return frameTooLarge(length)
  return framed(length, body.length, z)
}

/** Length prefix, then the data-length field unless `dataLength` is -1, then `data`. */
const framed = (length: number, dataLength: number, data: Uint8Array): Uint8Array => {
  const out = new Uint8Array(varIntByteLength(length) + length)
  let at = writeVarInt(out, 0, length)
  if (dataLength >= 0) at = writeVarInt(out, at, dataLength)
  out.set(data, at)
  return out
}

const frameTooLarge = (length: number): ProtocolError =>
  tooLarge("frame.length", `${length} bytes, limit ${MAX_FRAME_LENGTH}`)
