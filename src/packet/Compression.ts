/**
 * zlib for compressed frames: a bounded inflate of one packet body and a deflate.
 *
 * Invariant: inflating never allocates more than the declared size (plus zlib's own fixed
 * state). The declared size is checked first (above 8 MiB or below the threshold: error, no
 * inflate at all); then the output buffer is exactly one byte larger than declared and zlib may
 * not produce more (`maxOutputLength`), so a zlib bomb stops after `declared + 1` bytes.
 * Source for the rules: vanilla `CompressionDecoder` (threshold and 8388608 checks, exact size).
 *
 * These are plain synchronous functions for the data plane. node:zlib's sync API reports errors
 * by throwing; the `try`/`catch` here turns them into ProtocolError values at the boundary
 * (this is plain code, not Effect code).
 */
import * as Zlib from "node:zlib"
import { malformed, type ProtocolError, tooLarge } from "../protocol/ProtocolError.ts"

/** Vanilla's bound on a declared uncompressed size (`CompressionDecoder`, 1.17+): 8 MiB. */
export const MAX_UNCOMPRESSED_LENGTH = 8_388_608

/**
 * zlib level 4. The relay path never deflates (Framing.ts: receivers accept uncompressed
 * frames of any size), so this is for packets the proxy makes itself. On chunk-like data
 * (bench/packet/Floor.ts) level 4 deflates 30 KiB in about 40% of the CPU time of zlib's
 * default 6 (vanilla's `new Deflater()`) for output about 8% larger; level 1 saves only 20%
 * more CPU but is 15% larger again. Infrarust uses 4 as well.
 */
export const DEFLATE_LEVEL = 4

/** zlib's smallest output chunk (`Z_MIN_CHUNK`); Node rejects smaller `chunkSize` values. */
const MIN_CHUNK = 64

/**
 * Checks a declared uncompressed size against the vanilla bounds: over 8 MiB is TooLarge,
 * below the threshold (a packet that should not have been compressed) is Malformed.
 */
export const checkDeclaredSize = (declared: number, threshold: number): ProtocolError | undefined => {
  if (declared > MAX_UNCOMPRESSED_LENGTH) {
    return tooLarge("compressed.data_length", `declares ${declared} bytes, limit ${MAX_UNCOMPRESSED_LENGTH}`)
  }
  if (declared < threshold || declared <= 0) {
    return malformed("compressed.data_length", `declares ${declared} bytes, below the threshold ${threshold}`)
  }
  return undefined
}

/**
 * Inflates the zlib stream `body` of a frame that declares `declared` uncompressed bytes, read
 * on a leg whose threshold is `threshold`. Exactly `declared` bytes or an error.
 */
export const inflateBody = (body: Uint8Array, declared: number, threshold: number): Uint8Array | ProtocolError => {
  const bad = checkDeclaredSize(declared, threshold)
  if (bad !== undefined) return bad
  let out: Uint8Array
  try {
    out = Zlib.inflateSync(body, { maxOutputLength: declared, chunkSize: Math.max(MIN_CHUNK, declared + 1) })
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code === "ERR_BUFFER_TOO_LARGE") {
      return malformed("compressed.body", `inflates to more than the declared ${declared} bytes`)
    }
    return malformed("compressed.body", `zlib: ${(e as Error).message}`)
  }
  if (out.length !== declared) {
    return malformed("compressed.body", `inflates to ${out.length} bytes, declared ${declared}`)
  }
  return out
}

/**
 * Deflates `data` at {@link DEFLATE_LEVEL}. The output buffer is sized by zlib's worst-case
 * bound, so the result is one buffer (no concatenation of chunks).
 */
export const deflateBody = (data: Uint8Array): Uint8Array | ProtocolError => {
  try {
    return Zlib.deflateSync(data, { level: DEFLATE_LEVEL, chunkSize: Math.max(MIN_CHUNK, deflateBound(data.length)) })
  } catch (e) {
    // Unreachable with valid options (deflate accepts any input); kept as a value, not a throw.
    return malformed("compressed.body", `zlib deflate: ${(e as Error).message}`)
  }
}

/** zlib's `compressBound`: the largest output deflate can produce for `n` input bytes. */
const deflateBound = (n: number): number => n + (n >>> 12) + (n >>> 14) + (n >>> 25) + 13
