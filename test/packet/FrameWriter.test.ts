import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as Crypto from "node:crypto"
import { makeDecryptor, makeEncryptor, type StreamCipher } from "../../src/packet/Cipher.ts"
import { FrameReader } from "../../src/packet/FrameReader.ts"
import { FrameWriter } from "../../src/packet/FrameWriter.ts"
import { MAX_FRAME_LENGTH } from "../../src/protocol/Frame.ts"
import { ProtocolError } from "../../src/protocol/ProtocolError.ts"
import {
  body,
  chunked,
  concat,
  cutsArb,
  feed,
  frameOf,
  packetsArb,
  seen,
  semiCompressible,
  THRESHOLDS,
  thresholdArb,
  toHex
} from "./Helpers.ts"

interface Leg {
  readonly threshold: number
  readonly secret: Uint8Array | undefined
}

const legArb: fc.Arbitrary<Leg> = fc.record({
  threshold: thresholdArb,
  secret: fc.option(fc.uint8Array({ minLength: 16, maxLength: 16 }), { nil: undefined })
})

const writerFor = (leg: Leg): FrameWriter => {
  const w = new FrameWriter()
  w.setCompression(leg.threshold)
  if (leg.secret !== undefined) w.setEncryption(makeEncryptor(leg.secret) as StreamCipher)
  return w
}

const readerFor = (leg: Leg): FrameReader => {
  const r = new FrameReader()
  r.setCompression(leg.threshold)
  if (leg.secret !== undefined) r.setDecryption(makeDecryptor(leg.secret) as StreamCipher)
  return r
}

const flushAll = (w: FrameWriter): Uint8Array => {
  const out: Array<Uint8Array> = []
  const n = w.flush((b) => out.push(b.slice()))
  const all = concat(...out)
  assert.strictEqual(n, all.length)
  assert.strictEqual(w.pending, 0)
  return all
}

const ok = (r: ProtocolError | undefined): void => {
  if (r !== undefined) assert.fail(r.message)
}

describe("FrameWriter", () => {
  it("relays every packet unchanged between any two legs (thresholds off/0/64/256, cipher on/off)", () => {
    fc.assert(fc.property(packetsArb, legArb, legArb, cutsArb, (packets, from, to, cuts) => {
      // The sending peer, the proxy's reader on `from`, its writer on `to`, the receiving peer.
      const peer = writerFor(from)
      for (const p of packets) ok(peer.writeBody(p))
      const wire = flushAll(peer)
      const proxyOut = writerFor(to)
      const written: Array<Uint8Array> = []
      const { error } = feed(readerFor(from), chunked(wire, cuts), (f) => ok(proxyOut.forward(f)), () => {
        proxyOut.flush((b) => written.push(b.slice()))
      })
      assert.isUndefined(error)
      const relayed = concat(...written)
      const received = feed(readerFor(to), [relayed], seen)
      assert.isUndefined(received.error) // the receiver validates: no compressed frame below its threshold
      assert.deepStrictEqual(received.frames.map((f) => toHex(f.packet)), packets.map(toHex))
    }), { numRuns: 300 })
  })

  it("forwards the same bytes when both legs frame alike, and never deflates for the relay", () => {
    for (const from of THRESHOLDS) {
      for (const to of THRESHOLDS) {
        const packets = [body(1, new Uint8Array(10)), body(2, semiCompressible(300)), body(3, semiCompressible(5000))]
        const wire = concat(...packets.map((p) => frameOf(p, from)))
        const out = new FrameWriter()
        out.setCompression(to)
        const { frames } = feed(readerFor({ threshold: from, secret: undefined }), [wire], (f) => {
          ok(out.forward(f))
          return seen(f)
        })
        const relayed = feed(readerFor({ threshold: to, secret: undefined }), [flushAll(out)], seen).frames
        const sameFraming = (from < 0) === (to < 0) && (to < 0 || frames.every((f) => f.dataLength === 0 || f.dataLength >= to))
        if (sameFraming) assert.strictEqual(toHex(concat(...relayed.map((f) => f.raw))), toHex(wire), `${from} → ${to}`)
        relayed.forEach((f, i) => {
          // Compressed only where it already was (and still may be).
          if (f.dataLength > 0) assert.strictEqual(f.dataLength, frames[i]!.dataLength)
          assert.strictEqual(toHex(f.packet), toHex(packets[i]!))
        })
      }
    }
  })

  it("writes consecutive relayed frames of one read as one view of the reader's buffer", () => {
    const wire = concat(...Array.from({ length: 10 }, (_, i) => frameOf(body(i, new Uint8Array(i * 30)), 64)))
    const reader = readerFor({ threshold: 64, secret: undefined })
    const out = new FrameWriter()
    out.setCompression(0) // another threshold, but every frame is already valid there
    reader.push(wire)
    for (let f = reader.next(); f._tag === "Frame"; f = reader.next()) ok(out.forward(f))
    const writes: Array<Uint8Array> = []
    out.flush((b) => writes.push(b))
    assert.strictEqual(writes.length, 1)
    assert.strictEqual(writes[0]!.buffer, wire.buffer) // no copy
    assert.strictEqual(toHex(writes[0]!), toHex(wire))
  })

  it("encrypts a whole flush in one cipher call, relayed and re-framed frames mixed", () => {
    const secret = Crypto.randomBytes(16)
    const packets = Array.from({ length: 40 }, (_, i) => body(i, semiCompressible(i * 40, i + 1)))
    const wire = concat(...packets.map((p) => frameOf(p, 256)))
    const out = writerFor({ threshold: 512, secret }) // frames of 256–511 bytes are re-framed
    let updates = 0
    const cipher = makeEncryptor(secret) as StreamCipher
    out.setEncryption({ update: (b) => (updates++, cipher.update(b)) })
    const writes: Array<Uint8Array> = []
    feed(readerFor({ threshold: 256, secret: undefined }), [wire], (f) => ok(out.forward(f)), () => out.flush((b) => writes.push(b)))
    assert.strictEqual(updates, 1)
    assert.strictEqual(writes.length, 1)
    const received = feed(readerFor({ threshold: 512, secret }), writes, seen).frames
    assert.deepStrictEqual(received.map((f) => toHex(f.packet)), packets.map(toHex))
  })

  it("never reuses a buffer it handed out in clear (the socket may still hold it)", () => {
    const w = writerFor({ threshold: 0, secret: undefined }) // every packet built in the writer's buffer
    const held: Array<Uint8Array> = []
    const expected: Array<string> = []
    for (let i = 0; i < 50; i++) {
      const p = body(i, semiCompressible(100 + i * 10, i))
      ok(w.writeBody(p))
      w.flush((b) => held.push(b)) // views, not copies: a socket holding pending writes
      expected.push(toHex(p))
    }
    const frames = feed(readerFor({ threshold: 0, secret: undefined }), [concat(...held)], seen).frames
    assert.deepStrictEqual(frames.map((f) => toHex(f.packet)), expected)
  })

  it("compresses new packets by vanilla's rule: size >= threshold", () => {
    fc.assert(fc.property(packetsArb, thresholdArb, (packets, threshold) => {
      const w = writerFor({ threshold, secret: undefined })
      for (const p of packets) ok(w.writeBody(p))
      const frames = feed(readerFor({ threshold, secret: undefined }), [flushAll(w)], seen).frames
      frames.forEach((f, i) => {
        const p = packets[i]!
        assert.strictEqual(f.dataLength, threshold >= 0 && p.length >= threshold ? p.length : 0)
        assert.strictEqual(toHex(f.packet), toHex(p))
      })
    }), { numRuns: 100 })
    const w = new FrameWriter()
    ok(w.writePacket(0x2b, Uint8Array.of(1, 2, 3)))
    assert.strictEqual(toHex(flushAll(w)), "042b010203")
  })

  it("writes what was queued before setEncryption in clear, the rest encrypted", () => {
    const secret = Crypto.randomBytes(16)
    const w = new FrameWriter()
    ok(w.writePacket(1, Uint8Array.of(1))) // e.g. Encryption Request... then the switch
    w.setEncryption(makeEncryptor(secret) as StreamCipher)
    ok(w.writePacket(2, Uint8Array.of(2)))
    ok(w.writePacket(3, Uint8Array.of(3)))
    const wire = flushAll(w)
    assert.strictEqual(toHex(wire.subarray(0, 3)), "020101")
    const reader = new FrameReader()
    const ids = feed(reader, [wire], (f) => {
      const id = f.packetId()
      if (id === 1) reader.setDecryption(makeDecryptor(secret) as StreamCipher)
      return id
    }).frames
    assert.deepStrictEqual(ids, [1, 2, 3])
  })

  it("deflates a relayed body only when it no longer fits in a frame uncompressed", () => {
    const packet = body(0x7f, semiCompressible(MAX_FRAME_LENGTH - 1)) // a maximal uncompressed frame
    const wire = frameOf(packet, -1)
    const out = new FrameWriter()
    out.setCompression(256)
    feed(readerFor({ threshold: -1, secret: undefined }), [wire], (f) => ok(out.forward(f)))
    const relayed = feed(readerFor({ threshold: 256, secret: undefined }), [flushAll(out)], seen)
    assert.isUndefined(relayed.error)
    assert.strictEqual(relayed.frames[0]!.dataLength, packet.length)
    assert.strictEqual(toHex(relayed.frames[0]!.packet), toHex(packet))
  })

  it("refuses what cannot be framed for the leg, and queues nothing of it", () => {
    const w = new FrameWriter()
    const tooBig = w.writeBody(new Uint8Array(MAX_FRAME_LENGTH + 1))
    assert.instanceOf(tooBig, ProtocolError)
    assert.strictEqual(tooBig!.reason, "TooLarge")
    assert.strictEqual(w.pending, 0)
    // A compressed 3 MiB packet cannot go to a leg without compression.
    const big = body(1, new Uint8Array(3 << 20).fill(7))
    const compressedLeg = feed(readerFor({ threshold: 256, secret: undefined }), [frameOf(big, 256)], (f) => w.forward(f))
    assert.strictEqual(compressedLeg.frames[0]?.reason, "TooLarge")
    assert.strictEqual(w.pending, 0)
  })
})
