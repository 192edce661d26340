import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import {
  readBool,
  readByteArray,
  readI32,
  readI64,
  readShortByteArray,
  readString,
  readU16,
  readUuid
} from "../../src/protocol/ByteReader.ts"
import { ByteWriter, stringByteLength } from "../../src/protocol/ByteWriter.ts"
import { MAX_STRING_CHARS, utf8ByteLength } from "../../src/protocol/Utf8.ts"
import {
  anyUtf16,
  assertStream,
  assertTotal,
  expectBytes,
  expectDone,
  expectError,
  hex,
  int32,
  int64,
  toHex,
  wellFormedString
} from "./Helpers.ts"

const stringBytes = (s: string, max = MAX_STRING_CHARS): Uint8Array => expectBytes(new ByteWriter().string(s, max).finish())

describe("fixed-width readers", () => {
  it("round-trip u16, i32, i64 and bool through ByteWriter", () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 0xffff }), int32, int64, fc.boolean(), (u, i, l, b) => {
      assert.strictEqual(assertStream(expectBytes(new ByteWriter().u16(u).finish()), readU16).value, u)
      assert.strictEqual(assertStream(expectBytes(new ByteWriter().i32(i).finish()), readI32).value, i)
      assert.strictEqual(assertStream(expectBytes(new ByteWriter().i64(l).finish()), readI64).value, l)
      assert.strictEqual(assertStream(expectBytes(new ByteWriter().bool(b).finish()), readBool).value, b)
    }))
  })

  it("are big-endian", () => {
    assert.strictEqual(expectDone(readU16(hex("63dd"), 0)).value, 25565)
    assert.strictEqual(expectDone(readI32(hex("ffffff85"), 0)).value, -123)
    assert.strictEqual(expectDone(readI64(hex("8000000000000001"), 0)).value, -9223372036854775807n)
  })

  it("accept only 0 and 1 as booleans", () => {
    expectError(readBool(hex("02"), 0), "Malformed")
  })

  it("round-trip UUIDs to canonical lower-case dashed form", () => {
    fc.assert(fc.property(fc.uuid(), fc.boolean(), fc.boolean(), (uuid, dashed, upper) => {
      let input = dashed ? uuid : uuid.replaceAll("-", "")
      if (upper) input = input.toUpperCase()
      const bytes = expectBytes(new ByteWriter().uuid(input).finish())
      assert.strictEqual(bytes.length, 16)
      assert.strictEqual(assertStream(bytes, readUuid).value, uuid.toLowerCase())
    }))
  })

  it("rejects a malformed UUID when writing", () => {
    expectError(new ByteWriter().uuid("not-a-uuid").finish(), "Malformed")
    expectError(new ByteWriter().uuid("0123456789abcdef0123456789abcdeg").finish(), "Malformed")
  })
})

describe("readString", () => {
  it("round-trips well-formed strings; size equals stringByteLength", () => {
    fc.assert(fc.property(wellFormedString(40), (s) => {
      const bytes = stringBytes(s, 40)
      assert.strictEqual(bytes.length, stringByteLength(s))
      assert.strictEqual(assertStream(bytes, (b, o) => readString(b, o, 40)).value, s)
    }))
  })

  it("counts UTF-16 code units: a supplementary character is two", () => {
    const s = "😀😀" // 4 code units, 8 bytes
    assert.strictEqual(expectDone(readString(stringBytes(s), 0, 4)).value, s)
    expectError(readString(stringBytes(s), 0, 3), "TooLarge")
    expectError(new ByteWriter().string(s, 3).finish(), "TooLarge")
  })

  it("rejects a declared byte length over maxChars × 3 before the bytes arrive", () => {
    // 16 chars → at most 48 bytes; 49 is refused on the prefix alone.
    expectError(readString(hex("31"), 0, 16), "TooLarge")
    assert.strictEqual(readString(hex("30"), 0, 16)._tag, "NeedMore")
    // A hostile 2 MiB prefix with nothing behind it.
    expectError(readString(hex("8080ff01"), 0, MAX_STRING_CHARS), "TooLarge")
  })

  it("rejects more code units than maxChars even within the byte bound", () => {
    expectError(readString(stringBytes("aaaaa"), 0, 4), "TooLarge")
  })

  it("rejects invalid UTF-8 as Malformed", () => {
    for (const bad of ["02c328", "03eda080", "02c080", "01ff", "01c3"]) {
      expectError(readString(hex(bad), 0, 10), "Malformed")
    }
  })

  it("rejects a negative length as Malformed", () => {
    expectError(readString(hex("ffffffff0f"), 0, 10), "Malformed")
  })

  it("keeps a leading byte-order mark", () => {
    assert.strictEqual(expectDone(readString(stringBytes("\uFEFFx"), 0, 10)).value, "\uFEFFx")
  })

  it("writes lone surrogates as U+FFFD, and utf8ByteLength predicts the size", () => {
    fc.assert(fc.property(anyUtf16(30), (s) => {
      const bytes = stringBytes(s)
      assert.strictEqual(bytes.length, stringByteLength(s))
      assert.strictEqual(utf8ByteLength(s), new TextEncoder().encode(s).length)
      assert.strictEqual(expectDone(readString(bytes, 0, MAX_STRING_CHARS)).value, s.toWellFormed())
    }))
    assert.strictEqual(toHex(stringBytes("a\uD800b")), "0561efbfbd62")
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => readString(b, o, 8)))
})

describe("readByteArray", () => {
  it("round-trips arrays up to the limit, as views without copying", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 100 }), (a) => {
      const bytes = expectBytes(new ByteWriter().byteArray(a, 100).finish())
      const d = assertStream(bytes, (b, o) => readByteArray(b, o, 100))
      assert.strictEqual(toHex(d.value), toHex(a))
      assert.strictEqual(d.value.buffer, bytes.buffer)
    }))
  })

  it("rejects a declared length over the limit before the bytes arrive", () => {
    expectError(readByteArray(hex("8104"), 0, 512), "TooLarge")
    expectError(new ByteWriter().byteArray(new Uint8Array(513), 512).finish(), "TooLarge")
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => readByteArray(b, o, 16)))
})

describe("readShortByteArray (1.7)", () => {
  it("round-trips arrays with a big-endian 16-bit length, NeedMore on every prefix", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (a) => {
      const bytes = expectBytes(new ByteWriter().shortByteArray(a, 300).finish())
      assert.strictEqual(bytes.length, 2 + a.length)
      assert.deepStrictEqual(assertStream(bytes, (b, o) => readShortByteArray(b, o, 300)).value, a)
    }))
  })

  it("rejects a negative length as Malformed and one over the limit as TooLarge, on the prefix", () => {
    expectError(readShortByteArray(hex("ffff"), 0, 10), "Malformed")
    expectError(readShortByteArray(hex("000b"), 0, 10), "TooLarge")
    expectError(new ByteWriter().shortByteArray(new Uint8Array(11), 10).finish(), "TooLarge")
    expectError(new ByteWriter().shortByteArray(new Uint8Array(0x8000), 0x10000).finish(), "TooLarge")
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => readShortByteArray(b, o, 16)))
})

describe("ByteWriter", () => {
  it("keeps the first error and ignores later writes", () => {
    const e = expectError(new ByteWriter().string("toolong", 3, "first").uuid("bad", "second").u8(1).finish(), "TooLarge")
    assert.strictEqual(e.field, "first")
  })

  it("grows past its initial capacity", () => {
    const big = new Uint8Array(1000).fill(7)
    const out = expectBytes(new ByteWriter(1).varInt(300).bytes(big).u8(9).finish())
    assert.strictEqual(out.length, 2 + 1000 + 1)
    assert.strictEqual(out[1002], 9)
  })

  it("writes legacy strings as u16 length + UTF-16BE code units", () => {
    assert.strictEqual(toHex(expectBytes(new ByteWriter().legacyString("A§", 10).finish())), "0002004100a7")
    expectError(new ByteWriter().legacyString("abc", 2).finish(), "TooLarge")
  })
})
