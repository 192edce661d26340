/**
 * Shared helpers for the protocol codec tests: fixtures, result assertions, and the stream
 * properties every decoder must have (NeedMore on every strict prefix, totality on any bytes).
 */
import { assert } from "@effect/vitest"
import fc from "fast-check"
import * as fs from "node:fs"
import * as path from "node:path"
import type { Decode, Done } from "../../src/protocol/Decode.ts"
import type { Encoded } from "../../src/protocol/ByteWriter.ts"
import { ProtocolError, type ProtocolErrorReason } from "../../src/protocol/ProtocolError.ts"

export const FIXTURE_DIR = path.join(import.meta.dirname, "../support/fixtures/protocol")

export const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"))
export const toHex = (b: Uint8Array): string => Buffer.from(b).toString("hex")

export const fixture = (file: string): Uint8Array => hex(fs.readFileSync(path.join(FIXTURE_DIR, file), "utf8"))

export const concat = (...parts: ReadonlyArray<Uint8Array>): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

export const expectDone = <A>(d: Decode<A>): Done<A> => {
  if (d._tag !== "Done") assert.fail(`expected Done, got ${d._tag}${d._tag === "ProtocolError" ? `: ${d.message}` : ""}`)
  return d
}

export const expectError = <A>(d: Decode<A> | Encoded, reason: ProtocolErrorReason): ProtocolError => {
  if (!(d instanceof ProtocolError)) {
    assert.fail(`expected ProtocolError(${reason}), got ${d instanceof Uint8Array ? "bytes" : d._tag}`)
  }
  assert.strictEqual(d.reason, reason, d.message)
  return d
}

export const expectBytes = (e: Encoded): Uint8Array => {
  if (e instanceof ProtocolError) assert.fail(`expected bytes, got ProtocolError: ${e.message}`)
  return e
}

/**
 * The stream property: every strict prefix of `bytes` decodes to NeedMore, the whole to Done
 * ending exactly at the end; the same holds after `junk` bytes when decoding from their end.
 */
export const assertStream = <A>(
  bytes: Uint8Array,
  decode: (b: Uint8Array, offset: number) => Decode<A>,
  junk: Uint8Array = Uint8Array.of(0xaa, 0x55)
): Done<A> => {
  for (let i = 0; i < bytes.length; i++) {
    const r = decode(bytes.subarray(0, i), 0)
    if (r._tag !== "NeedMore") assert.fail(`prefix of ${i}/${bytes.length} bytes gave ${r._tag}`)
  }
  const whole = expectDone(decode(bytes, 0))
  assert.strictEqual(whole.offset, bytes.length)
  const shifted = expectDone(decode(concat(junk, bytes), junk.length))
  assert.strictEqual(shifted.offset, junk.length + bytes.length)
  return whole
}

/** Totality: any bytes at any offset give Done (inside the input), NeedMore or a ProtocolError. */
export const assertTotal = <A>(decode: (b: Uint8Array, offset: number) => Decode<A>, maxLength = 64): void => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength }), fc.nat({ max: 8 }), (bytes, skip) => {
      const offset = Math.min(skip, bytes.length)
      const r = decode(bytes, offset)
      if (r._tag === "Done") {
        assert.isAbove(r.offset, offset)
        assert.isAtMost(r.offset, bytes.length)
      } else if (r._tag !== "NeedMore") {
        assert.instanceOf(r, ProtocolError)
      }
    })
  )
}

/** Well-formed Unicode (no lone surrogates), at most `maxUnits` UTF-16 code units. */
export const wellFormedString = (maxUnits: number): fc.Arbitrary<string> =>
  fc.string({ unit: "grapheme", maxLength: maxUnits }).filter((s) => s.length <= maxUnits)

/** Any UTF-16 code unit sequence, lone surrogates included. */
export const anyUtf16 = (maxUnits: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: maxUnits }).map((units) => String.fromCharCode(...units))

export const int32 = fc.integer({ min: -2147483648, max: 2147483647 })
export const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
export const port = fc.integer({ min: 0, max: 65535 })

/** A decoded value without its frame bounds, for comparing with what was encoded. */
export const withoutBounds = <A extends { readonly frameStart: number; readonly frameEnd: number }>(
  decoded: A
): Omit<A, "frameStart" | "frameEnd"> => {
  const { frameEnd: _end, frameStart: _start, ...rest } = decoded
  return rest
}

/** Bytes of a frame whose packet id is below 0x80 and whose payload is `payloadLength` long. */
export const frameSize = (payloadLength: number): number => {
  const length = 1 + payloadLength
  return (length < 0x80 ? 1 : length < 0x4000 ? 2 : 3) + length
}
