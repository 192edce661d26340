import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as Crypto from "node:crypto"
import * as Zlib from "node:zlib"
import { makeDecryptor, type StreamCipher } from "../../src/packet/Cipher.ts"
import { FrameReader } from "../../src/packet/FrameReader.ts"
import { MAX_FRAME_LENGTH } from "../../src/protocol/Frame.ts"
import { ProtocolError } from "../../src/protocol/ProtocolError.ts"
import { encodeVarInt } from "../../src/protocol/VarInt.ts"
import {
  body,
  chunked,
  concat,
  cutsArb,
  feed,
  frameOf,
  packetsArb,
  seen,
  type SeenFrame,
  semiCompressible,
  thresholdArb,
  toHex
} from "./Helpers.ts"

const readerWith = (threshold: number, decipher?: StreamCipher): FrameReader => {
  const r = new FrameReader()
  r.setCompression(threshold)
  if (decipher !== undefined) r.setDecryption(decipher)
  return r
}

const secretArb = fc.uint8Array({ minLength: 16, maxLength: 16 })
const encrypt = (secret: Uint8Array, bytes: Uint8Array, cuts: ReadonlyArray<number>): Uint8Array => {
  const c = Crypto.createCipheriv("aes-128-cfb8", secret, secret)
  return concat(...chunked(bytes, cuts).map((chunk) => c.update(chunk)))
}
const decryptor = (secret: Uint8Array): StreamCipher => makeDecryptor(secret) as StreamCipher

const expectError = (e: ProtocolError | undefined, reason: string): ProtocolError => {
  if (e === undefined) assert.fail(`expected ProtocolError(${reason})`)
  assert.strictEqual(e.reason, reason, e.message)
  return e
}

describe("FrameReader", () => {
  it("reads back every packet, framing and compression as sent, for every threshold", () => {
    fc.assert(fc.property(packetsArb, thresholdArb, (packets, threshold) => {
      const frames = packets.map((p) => frameOf(p, threshold))
      const { error, frames: got } = feed(readerWith(threshold), [concat(...frames)], seen)
      assert.isUndefined(error)
      assert.deepStrictEqual(got.map((f) => toHex(f.packet)), packets.map(toHex))
      assert.deepStrictEqual(got.map((f) => toHex(f.raw)), frames.map(toHex))
      got.forEach((f, i) => {
        assert.strictEqual(f.dataLength, threshold >= 0 && packets[i]!.length >= threshold ? packets[i]!.length : 0)
      })
    }), { numRuns: 150 })
  })

  it("gives the same frames whatever the chunk boundaries (chunks through one reused buffer)", () => {
    fc.assert(fc.property(packetsArb, thresholdArb, cutsArb, (packets, threshold, cuts) => {
      const stream = concat(...packets.map((p) => frameOf(p, threshold)))
      const { error, frames } = feed(readerWith(threshold), chunked(stream, cuts), seen)
      assert.isUndefined(error)
      assert.deepStrictEqual(frames.map((f) => toHex(f.packet)), packets.map(toHex))
    }), { numRuns: 200 })
  })

  it("keeps every frame of a read valid until the next push (views are not overwritten by a cut tail)", () => {
    fc.assert(fc.property(packetsArb, thresholdArb, cutsArb, (packets, threshold, cuts) => {
      const frames = packets.map((p) => frameOf(p, threshold))
      const reader = readerWith(threshold)
      const socketBuffer = new Uint8Array(concat(...frames).length)
      let index = 0
      for (const chunk of chunked(concat(...frames), cuts)) {
        socketBuffer.set(chunk)
        reader.push(socketBuffer.subarray(0, chunk.length))
        // Hold raw views (no copies) for the whole round, as a writer's queue does.
        const views: Array<Uint8Array> = []
        for (let f = reader.next(); f._tag === "Frame"; f = reader.next()) views.push(f.raw())
        views.forEach((v) => assert.strictEqual(toHex(v), toHex(frames[index++]!)))
      }
      assert.strictEqual(index, frames.length)
    }), { numRuns: 200 })
  })

  it("decrypts whatever the chunking on either side (encrypt with one, decrypt with another)", () => {
    fc.assert(fc.property(packetsArb, thresholdArb, secretArb, cutsArb, cutsArb, (packets, threshold, secret, encCuts, decCuts) => {
      const wire = encrypt(secret, concat(...packets.map((p) => frameOf(p, threshold))), encCuts)
      const { error, frames } = feed(readerWith(threshold, decryptor(secret)), chunked(wire, decCuts), seen)
      assert.isUndefined(error)
      assert.deepStrictEqual(frames.map((f) => toHex(f.packet)), packets.map(toHex))
    }), { numRuns: 150 })
  })

  it("switches decryption then compression mid-stream, bytes after the switch in the same chunk included", () => {
    fc.assert(fc.property(packetsArb, packetsArb, packetsArb, secretArb, cutsArb, (plain, encrypted, compressed, secret, cuts) => {
      // A login: clear frames, then (after an Encryption Response) encrypted ones, then (after a
      // Set Compression) compressed ones; the caller switches right after the switching frame.
      const clearPart = concat(...plain.map((p) => frameOf(p, -1)))
      const encPart = concat(...encrypted.map((p) => frameOf(p, -1)), ...compressed.map((p) => frameOf(p, 64)))
      const wire = concat(clearPart, encrypt(secret, encPart, []))
      const reader = readerWith(-1)
      let index = 0
      const { error, frames } = feed(reader, chunked(wire, cuts), (f) => {
        const s = seen(f)
        index++
        if (index === plain.length) reader.setDecryption(decryptor(secret))
        if (index === plain.length + encrypted.length) reader.setCompression(64)
        return toHex(s.packet)
      })
      assert.isUndefined(error)
      assert.deepStrictEqual(frames, [...plain, ...encrypted, ...compressed].map(toHex))
    }), { numRuns: 150 })
  })

  it("waits in the middle of the cipher stream, then completes", () => {
    const secret = Crypto.randomBytes(16)
    const packet = body(0x22, semiCompressible(5000))
    const wire = encrypt(secret, frameOf(packet, 256), [])
    const reader = readerWith(256, decryptor(secret))
    reader.push(wire.subarray(0, 1234))
    assert.strictEqual(reader.next()._tag, "NeedMore")
    reader.push(wire.subarray(1234))
    const f = reader.next()
    assert.strictEqual(f._tag, "Frame")
    if (f._tag === "Frame") assert.strictEqual(toHex(seen(f).packet), toHex(packet))
    assert.strictEqual(reader.next()._tag, "NeedMore")
  })

  it("rejects garbage once encryption is on (ProtocolError, never a throw)", () => {
    const secret = Crypto.randomBytes(16)
    // What decrypts to a length prefix wider than 21 bits.
    const reader = readerWith(-1, decryptor(secret))
    reader.push(encrypt(secret, Uint8Array.of(0xff, 0xff, 0xff, 0x7f, 1, 2, 3), []))
    expectError(reader.next() as ProtocolError, "TooLarge")
    // Random ciphertext: frames, NeedMore or an error, whatever the bytes.
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), thresholdArb, cutsArb, (garbage, threshold, cuts) => {
      readAllTotal(readerWith(threshold, decryptor(secret)), chunked(garbage, cuts))
    }))
  })

  it("is total on arbitrary bytes: frames, NeedMore or a ProtocolError, and frame accessors never throw", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), thresholdArb, cutsArb, (bytes, threshold, cuts) => {
      readAllTotal(readerWith(threshold), chunked(bytes, cuts))
    }), { numRuns: 500 })
    // Valid framing around random compressed bodies reaches the zlib paths.
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 300 }), (z, declared) => {
      const inner = concat(encodeVarInt(declared), z)
      readAllTotal(readerWith(0), [concat(encodeVarInt(inner.length), inner)])
    }), { numRuns: 500 })
  })

  it("rejects an over-long length prefix before any body, and bounds what it buffers", () => {
    const r = new FrameReader()
    r.push(Uint8Array.of(0x80, 0x80, 0x80)) // wider than 21 bits, no body
    expectError(r.next() as ProtocolError, "TooLarge")
    const small = new FrameReader({ maxFrame: 100 })
    small.push(Uint8Array.of(101))
    expectError(small.next() as ProtocolError, "TooLarge")
    // A maximal frame arriving a byte at a time never makes the reader hold more than it.
    const big = new FrameReader()
    const frame = frameOf(body(1, new Uint8Array(MAX_FRAME_LENGTH - 1)), -1)
    let held = 0
    let delivered = 0
    for (let at = 0; at < frame.length; at += 4093) {
      big.push(frame.subarray(at, at + 4093))
      held = Math.max(held, big.buffered)
      const f = big.next()
      if (f._tag === "Frame") delivered += f.end - f.start
    }
    assert.strictEqual(delivered, frame.length)
    assert.isAtMost(held, frame.length)
  })

  it("rejects compressed frames below the threshold or over 8 MiB, and empty frames", () => {
    const declared = (n: number, z: Uint8Array) => {
      const inner = concat(encodeVarInt(n), z)
      return concat(encodeVarInt(inner.length), inner)
    }
    const z = Zlib.deflateSync(new Uint8Array(100))
    const below = readerWith(256)
    below.push(declared(100, z))
    expectError(below.next() as ProtocolError, "Malformed")
    const huge = readerWith(256)
    huge.push(declared(2 ** 31 - 1, z)) // 2 GiB declared: refused on the field, nothing inflated
    expectError(huge.next() as ProtocolError, "TooLarge")
    const empty = readerWith(-1)
    empty.push(Uint8Array.of(0))
    expectError(empty.next() as ProtocolError, "Malformed")
    // An uncompressed body above the threshold is valid (vanilla and Velocity accept it).
    const plain = readerWith(64)
    plain.push(frameOf(body(5, new Uint8Array(500)), 1000))
    assert.strictEqual(plain.next()._tag, "Frame")
  })

  it("reports a zlib bomb as an error when the packet is asked for, and the id without inflating", () => {
    const declaredSize = 1 << 20
    const packet = Zlib.deflateSync(Buffer.concat([Buffer.of(0x21), Buffer.alloc(64 << 20)]), { level: 1 })
    const inner = concat(encodeVarInt(declaredSize), packet)
    const reader = readerWith(256)
    reader.push(concat(encodeVarInt(inner.length), inner))
    const f = reader.next()
    if (f._tag !== "Frame") return assert.fail(`expected a frame, got ${f._tag}`)
    assert.strictEqual(f.packetId(), 0x21)
    const before = process.memoryUsage().arrayBuffers
    let p: Uint8Array | ProtocolError = new Uint8Array(0)
    const sizes = bufferAllocations(() => {
      p = f.packet()
    })
    const grown = process.memoryUsage().arrayBuffers - before
    assert.instanceOf(p, ProtocolError)
    // node:zlib allocates its output through Buffer.allocUnsafe: the spy sees the output buffer
    // (so it works), and nothing beyond one buffer of the declared size.
    assert.isAtLeast(Math.max(...sizes), declaredSize)
    assert.isAtMost(sizes.reduce((a, b) => a + b, 0), declaredSize + 64 * 1024, `allocated ${sizes.join(", ")}`)
    assert.isAtMost(grown, declaredSize + 256 * 1024, `grew by ${grown} bytes`)
  })

  it("detach keeps unread frames across a reuse of the chunk's buffer and a later push", () => {
    const packets = [body(1, new Uint8Array([1])), body(2, new Uint8Array([2, 2])), body(3, new Uint8Array(70))]
    const buf = new Uint8Array(concat(...packets.map((p) => frameOf(p, 64))))
    const reader = readerWith(64)
    reader.push(buf)
    const first = reader.next()
    assert.strictEqual(first._tag === "Frame" && first.packetId(), 1)
    reader.detach()
    buf.fill(0xff) // the socket reuses its buffer...
    const more = body(4, new Uint8Array(100).fill(4))
    buf.set(frameOf(more, 64)) // ...for the next read, pushed before the rest is read
    reader.push(buf.subarray(0, frameOf(more, 64).length))
    const rest: Array<SeenFrame> = []
    for (let f = reader.next(); f._tag === "Frame"; f = reader.next()) rest.push(seen(f))
    assert.deepStrictEqual(rest.map((f) => toHex(f.packet)), [...packets.slice(1), more].map(toHex))
  })

  it("throws on misuse only: a push while the previous chunk is unread", () => {
    const reader = readerWith(-1)
    reader.push(concat(frameOf(body(1, new Uint8Array(1)), -1), frameOf(body(2, new Uint8Array(1)), -1)))
    reader.next()
    assert.throws(() => reader.push(Uint8Array.of(1)))
  })
})

/** Sizes of the Buffers allocated (allocUnsafe, concat) while `f` runs. */
const bufferAllocations = (f: () => void): Array<number> => {
  const sizes: Array<number> = []
  const allocUnsafe = Buffer.allocUnsafe
  const concatBuffers = Buffer.concat
  Buffer.allocUnsafe = ((n: number) => {
    sizes.push(n)
    return allocUnsafe(n)
  }) as typeof Buffer.allocUnsafe
  Buffer.concat = ((list: ReadonlyArray<Uint8Array>, total?: number) => {
    const out = concatBuffers(list, total)
    sizes.push(out.length)
    return out
  }) as typeof Buffer.concat
  try {
    f()
  } finally {
    Buffer.allocUnsafe = allocUnsafe
    Buffer.concat = concatBuffers
  }
  return sizes
}

/** Reads everything, exercising every frame accessor; asserts the outcome kinds only. */
const readAllTotal = (reader: FrameReader, chunks: ReadonlyArray<Uint8Array>): void => {
  for (const chunk of chunks) {
    reader.push(chunk)
    for (;;) {
      const f = reader.next()
      if (f._tag === "NeedMore") break
      if (f instanceof ProtocolError) return
      assert.isAtLeast(f.end - f.start, 2)
      for (const r of [f.packetId(), f.packet(), f.payload()]) {
        assert.isTrue(typeof r === "number" || r instanceof Uint8Array || r instanceof ProtocolError)
      }
    }
  }
}
