/**
 * UTF-8 for protocol strings, without `Buffer`: exact byte counts for the writers and a strict
 * decoder for the readers.
 *
 * Lone surrogates: JS strings may hold unpaired UTF-16 surrogates, which UTF-8 cannot carry.
 * Encoding replaces each one with U+FFFD (what `TextEncoder` and `String.prototype.toWellFormed`
 * do, and close to Java's `getBytes(UTF_8)`, which writes `?`). The UTF-16 length is unchanged,
 * so a string that fits a `String(n)` limit still fits after replacement. Decoding is strict:
 * invalid UTF-8 (including encoded surrogates and over-long forms) is rejected.
 */

/** Largest `n` in `String(n)` (https://minecraft.wiki/w/Java_Edition_protocol/Data_types). */
export const MAX_STRING_CHARS = 32767

/**
 * A `String(n)` may use at most `n × 3` UTF-8 bytes: one UTF-16 code unit never needs more than
 * three (a four-byte sequence is two code units). Vanilla checks this before reading the bytes.
 */
export const MAX_UTF8_BYTES_PER_CHAR = 3

/** Below this many bytes, a hand loop beats a `TextDecoder` call for pure ASCII (hostnames). */
const ASCII_FAST_PATH_MAX_BYTES = 1024

const encoder = new TextEncoder()
// ignoreBOM: keep a leading U+FEFF as data; the default would silently strip it.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true })

/** Bytes `s` takes in UTF-8, counting a lone surrogate as the 3 bytes of U+FFFD. */
export const utf8ByteLength = (s: string): number => {
  let n = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c < 0x80) n += 1
    else if (c < 0x800) n += 2
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1)
      if (next >= 0xdc00 && next <= 0xdfff) {
        n += 4
        i++
      } else n += 3
    } else n += 3
  }
  return n
}

/**
 * Writes `s` as UTF-8 at `offset` and returns the offset after it. The caller has reserved
 * {@link utf8ByteLength}(s) bytes.
 */
export const writeUtf8 = (target: Uint8Array, offset: number, s: string): number => {
  let at = offset
  let i = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c >= 0x80) break
    target[at++] = c
  }
  if (i === s.length) return at
  const { written } = encoder.encodeInto(s.slice(i), target.subarray(at))
  return at + written
}

/** Decodes `bytes[start, end)` as strict UTF-8; `undefined` when the bytes are not valid UTF-8. */
export const decodeUtf8 = (bytes: Uint8Array, start: number, end: number): string | undefined => {
  if (end - start <= ASCII_FAST_PATH_MAX_BYTES) {
    let ascii = true
    for (let i = start; i < end; i++) {
      if (bytes[i]! >= 0x80) {
        ascii = false
        break
      }
    }
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as Array<number>)
  }
  // A fatal TextDecoder reports bad input only by throwing, so the throw is contained here and
  // turned into a value; nothing else in the codecs throws or catches.
  try {
    return decoder.decode(bytes.subarray(start, end))
  } catch {
    return undefined
  }
}
