/**
 * Network NBT for text components (1.20.3+ sends chat, titles and disconnect reasons as NBT
 * instead of JSON): an "anonymous" tag is its type byte followed by its payload, with no name.
 *
 * - {@link encodeNbtComponent} turns a JSON text component (a string or an object, as the JSON
 *   versions take it) into that form: strings are String tags, objects Compounds, booleans Bytes,
 *   integers Ints, other numbers Doubles, arrays Lists (a mixed array is turned into compounds,
 *   `{"text": s}` for its strings, as vanilla's codec does).
 * - {@link decodeNbt} reads any anonymous tag back into JSON-like values (for a backend's
 *   disconnect reason), bounded in depth and never past the end of its input.
 * Strings are Java's "modified UTF-8" (NUL as C0 80, characters outside the BMP as two
 * surrogates of three bytes each). Source: https://minecraft.wiki/w/NBT_format
 */
import { type Decode, done, needMore } from "./Decode.ts"
import { malformed, tooLarge } from "./ProtocolError.ts"

const TAG = { End: 0, Byte: 1, Short: 2, Int: 3, Long: 4, Float: 5, Double: 6, ByteArray: 7, String: 8, List: 9, Compound: 10, IntArray: 11, LongArray: 12 } as const

/** Nesting vanilla allows (NbtAccounter's depth limit). */
export const MAX_NBT_DEPTH = 512

export type NbtValue = string | number | bigint | boolean | ReadonlyArray<NbtValue> | { readonly [key: string]: NbtValue }

const modifiedUtf8 = (s: string): Array<number> => {
  const out: Array<number> = []
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c !== 0 && c < 0x80) out.push(c)
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f))
    else out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f))
  }
  return out
}

class Out {
  readonly bytes: Array<number> = []
  u8(v: number) {
    this.bytes.push(v & 0xff)
  }
  u16(v: number) {
    this.bytes.push((v >> 8) & 0xff, v & 0xff)
  }
  i32(v: number) {
    this.bytes.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff)
  }
  f64(v: number) {
    const view = new DataView(new ArrayBuffer(8))
    view.setFloat64(0, v)
    for (let i = 0; i < 8; i++) this.bytes.push(view.getUint8(i))
  }
  string(s: string) {
    const encoded = modifiedUtf8(s)
    this.u16(Math.min(encoded.length, 0xffff))
    for (const b of encoded.slice(0, 0xffff)) this.bytes.push(b)
  }
}

type Json = string | number | boolean | null | ReadonlyArray<Json> | { readonly [key: string]: Json }

const tagOf = (v: Json): number =>
  typeof v === "string"
    ? TAG.String
    : typeof v === "boolean"
    ? TAG.Byte
    : typeof v === "number"
    ? (Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff ? TAG.Int : TAG.Double)
    : Array.isArray(v)
    ? TAG.List
    : TAG.Compound

/** A list must hold one tag type: a mixed one becomes compounds (`{"text": s}` for strings). */
const listItems = (items: ReadonlyArray<Json>): ReadonlyArray<Json> => {
  const tags = new Set(items.filter((v) => v !== null).map(tagOf))
  if (tags.size <= 1) return items.filter((v) => v !== null)
  return items.filter((v) => v !== null).map((v) => (typeof v === "object" && !Array.isArray(v) ? v : { text: String(v) }))
}

const payload = (out: Out, v: Json): void => {
  if (typeof v === "string") return out.string(v)
  if (typeof v === "boolean") return out.u8(v ? 1 : 0)
  if (typeof v === "number") return Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff ? out.i32(v) : out.f64(v)
  if (Array.isArray(v)) {
    const items = listItems(v)
    out.u8(items.length === 0 ? TAG.End : tagOf(items[0]!))
    out.i32(items.length)
    for (const item of items) payload(out, item)
    return
  }
  for (const [key, value] of Object.entries(v as Record<string, Json>)) {
    if (value === null) continue
    out.u8(tagOf(value))
    out.string(key)
    payload(out, value)
  }
  out.u8(TAG.End)
}

/** A text component as an anonymous NBT tag (1.20.3+). */
export const encodeNbtComponent = (component: Json): Uint8Array => {
  const out = new Out()
  const root = component === null ? "" : component
  out.u8(tagOf(root))
  payload(out, root)
  return Uint8Array.from(out.bytes)
}

const decodeModifiedUtf8 = (bytes: Uint8Array, start: number, end: number): string => {
  let s = ""
  for (let i = start; i < end;) {
    const a = bytes[i]!
    if (a < 0x80) {
      s += String.fromCharCode(a)
      i += 1
    } else if ((a & 0xe0) === 0xc0) {
      s += String.fromCharCode(((a & 0x1f) << 6) | (bytes[i + 1]! & 0x3f))
      i += 2
    } else {
      s += String.fromCharCode(((a & 0x0f) << 12) | ((bytes[i + 1]! & 0x3f) << 6) | (bytes[i + 2]! & 0x3f))
      i += 3
    }
  }
  return s
}

const FIXED: Readonly<Record<number, number>> = { [TAG.Byte]: 1, [TAG.Short]: 2, [TAG.Int]: 4, [TAG.Long]: 8, [TAG.Float]: 4, [TAG.Double]: 8 }

/** Reads one tag payload of type `tag` at `at`; the value and the offset after it, or an error marker. */
const readPayload = (bytes: Uint8Array, at: number, tag: number, depth: number): { value: NbtValue; at: number } | "short" | string => {
  if (depth > MAX_NBT_DEPTH) return `nested deeper than ${MAX_NBT_DEPTH}`
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const size = FIXED[tag]
  if (size !== undefined) {
    if (at + size > bytes.length) return "short"
    switch (tag) {
      case TAG.Byte:
        return { value: view.getInt8(at), at: at + 1 }
      case TAG.Short:
        return { value: view.getInt16(at), at: at + 2 }
      case TAG.Int:
        return { value: view.getInt32(at), at: at + 4 }
      case TAG.Long:
        return { value: view.getBigInt64(at), at: at + 8 }
      case TAG.Float:
        return { value: view.getFloat32(at), at: at + 4 }
      default:
        return { value: view.getFloat64(at), at: at + 8 }
    }
  }
  switch (tag) {
    case TAG.String: {
      if (at + 2 > bytes.length) return "short"
      const length = view.getUint16(at)
      if (at + 2 + length > bytes.length) return "short"
      return { value: decodeModifiedUtf8(bytes, at + 2, at + 2 + length), at: at + 2 + length }
    }
    case TAG.ByteArray:
    case TAG.IntArray:
    case TAG.LongArray: {
      if (at + 4 > bytes.length) return "short"
      const count = view.getInt32(at)
      const width = tag === TAG.ByteArray ? 1 : tag === TAG.IntArray ? 4 : 8
      if (count < 0) return "negative array length"
      if (at + 4 + count * width > bytes.length) return "short"
      const values: Array<NbtValue> = []
      for (let i = 0; i < count; i++) {
        const p = at + 4 + i * width
        values.push(width === 1 ? view.getInt8(p) : width === 4 ? view.getInt32(p) : view.getBigInt64(p))
      }
      return { value: values, at: at + 4 + count * width }
    }
    case TAG.List: {
      if (at + 5 > bytes.length) return "short"
      const itemTag = bytes[at]!
      const count = view.getInt32(at + 1)
      if (count < 0) return "negative list length"
      let p = at + 5
      const values: Array<NbtValue> = []
      for (let i = 0; i < count; i++) {
        const r = readPayload(bytes, p, itemTag, depth + 1)
        if (typeof r !== "object") return r
        values.push(r.value)
        p = r.at
      }
      return { value: values, at: p }
    }
    case TAG.Compound: {
      const value: Record<string, NbtValue> = {}
      let p = at
      for (;;) {
        if (p >= bytes.length) return "short"
        const child = bytes[p]!
        if (child === TAG.End) return { value, at: p + 1 }
        const name = readPayload(bytes, p + 1, TAG.String, depth + 1)
        if (typeof name !== "object") return name
        const r = readPayload(bytes, name.at, child, depth + 1)
        if (typeof r !== "object") return r
        value[name.value as string] = r.value
        p = r.at
      }
    }
    default:
      return `unknown tag type ${tag}`
  }
}

/** One anonymous tag at `offset`, as JSON-like values. */
export const decodeNbt = (bytes: Uint8Array, offset: number): Decode<NbtValue> => {
  if (offset >= bytes.length) return needMore
  const tag = bytes[offset]!
  if (tag === TAG.End) return malformed("nbt", "an End tag where a value was expected")
  const r = readPayload(bytes, offset + 1, tag, 0)
  if (r === "short") return needMore
  if (typeof r === "string") return r.startsWith("nested") ? tooLarge("nbt", r) : malformed("nbt", r)
  return done(r.value, r.at)
}

/**
 * The end of one *named* root tag at `offset` (type byte, name, payload), as the play packets
 * of 1.16–1.20.1 carry their NBT fields (from 1.20.2 network NBT drops the root name). An End
 * tag alone is an empty field. Used to skip or copy a field without interpreting it.
 */
export const skipNamedNbt = (bytes: Uint8Array, offset: number): Decode<number> => {
  if (offset >= bytes.length) return needMore
  const tag = bytes[offset]!
  if (tag === TAG.End) return done(offset + 1, offset + 1)
  const name = readPayload(bytes, offset + 1, TAG.String, 0)
  if (name === "short") return needMore
  if (typeof name === "string") return malformed("nbt", name)
  const r = readPayload(bytes, name.at, tag, 0)
  if (r === "short") return needMore
  if (typeof r === "string") return r.startsWith("nested") ? tooLarge("nbt", r) : malformed("nbt", r)
  return done(r.at, r.at)
}
