/**
 * Interop with a real, independent implementation: minecraft-protocol's own serializer,
 * compressor, framer and AES transforms (what its clients and servers run on their sockets).
 * Its bytes decode with our reader, our writer's bytes decode with its deserializer, and a
 * frame relayed by our reader and writer between two of its pipelines arrives intact.
 */
import { assert, describe, it } from "@effect/vitest"
import mc from "minecraft-protocol"
import * as Crypto from "node:crypto"
import { createRequire } from "node:module"
import type { Transform } from "node:stream"
import { makeDecryptor, makeEncryptor, type StreamCipher } from "../../src/packet/Cipher.ts"
import { FrameReader } from "../../src/packet/FrameReader.ts"
import { FrameWriter } from "../../src/packet/FrameWriter.ts"
import { packetId } from "../../src/protocol/PacketIds.ts"
import { protocolOf } from "../../src/protocol/ProtocolVersion.ts"
import { chunked, concat, feed, seen, semiCompressible, toHex } from "./Helpers.ts"

const require = createRequire(import.meta.url)
const compression = require("minecraft-protocol/src/transforms/compression.js")
const framing = require("minecraft-protocol/src/transforms/framing.js")
const encryption = require("minecraft-protocol/src/transforms/encryption.js")

const VERSIONS = ["1.8.8", "1.12.2", "1.16.5", "1.20.4", "1.21.11"] as const
const SIZES = [0, 10, 100, 255, 256, 300, 5000, 40_000]
const THRESHOLD = 256

/** Writes `inputs` into the first stream of the chain and resolves with what the last one emits. */
const through = <A>(inputs: ReadonlyArray<unknown>, ...chain: ReadonlyArray<Transform>): Promise<Array<A>> => {
  let last = chain[0]!
  for (const next of chain.slice(1)) last = last.pipe(next)
  const out: Array<A> = []
  const done = new Promise<Array<A>>((resolve, reject) => {
    last.on("data", (d: A) => out.push(d))
    last.on("end", () => resolve(out))
    for (const s of chain) s.on("error", reject)
  })
  for (const input of inputs) chain[0]!.write(input)
  chain[0]!.end()
  return done
}

const payloads = SIZES.map((n) => Buffer.from(semiCompressible(n, n + 1)))
const customPayloads = payloads.map((data) => ({ name: "custom_payload", params: { channel: "infrarust:test", data } }))

/** minecraft-protocol's packet bodies (`VarInt id | payload`) for the server's side of play. */
const serverBodies = (version: string): Promise<Array<Buffer>> =>
  through(customPayloads, mc.createSerializer({ state: mc.states.PLAY, isServer: true, version, customPackets: {} }))

const expectCustomPayloads = (parsed: ReadonlyArray<{ data: { name: string; params: { data: Buffer } } }>): void => {
  assert.deepStrictEqual(parsed.map((p) => p.data.name), customPayloads.map((p) => p.name))
  assert.deepStrictEqual(parsed.map((p) => toHex(p.data.params.data)), payloads.map(toHex))
}

describe("Interop with minecraft-protocol's transforms", () => {
  for (const version of VERSIONS) {
    const protocol = protocolOf(version)!

    it(`${version}: its compressed, encrypted frames decode with our reader`, async () => {
      const secret = Crypto.randomBytes(16)
      const bodies = await serverBodies(version)
      const wire = concat(...await through<Buffer>(
        bodies,
        compression.createCompressor(THRESHOLD),
        framing.createFramer(),
        encryption.createCipher(secret)
      ))
      const reader = new FrameReader()
      reader.setCompression(THRESHOLD)
      reader.setDecryption(makeDecryptor(secret) as StreamCipher)
      const { error, frames } = feed(reader, chunked(wire, [7, 300, 301, 5000, 12_345]), seen)
      assert.isUndefined(error)
      assert.deepStrictEqual(frames.map((f) => toHex(f.packet)), bodies.map(toHex))
      const id = packetId(protocol, "play", "clientbound", "custom_payload")
      assert.deepStrictEqual(frames.map((f) => f.id), bodies.map(() => id))
      assert.deepStrictEqual(frames.map((f) => f.dataLength > 0), bodies.map((b) => b.length >= THRESHOLD))
    })

    it(`${version}: our compressed, encrypted frames decode with its deserializer`, async () => {
      const secret = Crypto.randomBytes(16)
      const writer = new FrameWriter()
      writer.setCompression(THRESHOLD)
      writer.setEncryption(makeEncryptor(secret) as StreamCipher)
      for (const body of await serverBodies(version)) assert.isUndefined(writer.writeBody(body))
      const wire: Array<Uint8Array> = []
      writer.flush((b) => wire.push(Buffer.from(b)))
      const parsed = await through<{ data: { name: string; params: { data: Buffer } } }>(
        wire,
        encryption.createDecipher(secret),
        framing.createSplitter(),
        compression.createDecompressor(THRESHOLD),
        mc.createDeserializer({ state: mc.states.PLAY, isServer: false, version, customPackets: {} })
      )
      expectCustomPayloads(parsed)
    })

    it(`${version}: a backend's compressed frames relayed to an encrypted, uncompressed client leg (client_only)`, async () => {
      const backendWire = concat(...await through<Buffer>(
        await serverBodies(version),
        compression.createCompressor(64),
        framing.createFramer()
      ))
      const secret = Crypto.randomBytes(16)
      const reader = new FrameReader()
      reader.setCompression(64)
      const toClient = new FrameWriter()
      toClient.setEncryption(makeEncryptor(secret) as StreamCipher)
      const clientWire: Array<Uint8Array> = []
      const { error } = feed(reader, chunked(backendWire, [100, 1000, 20_000]), (f) => {
        assert.isUndefined(toClient.forward(f))
      }, () => toClient.flush((b) => clientWire.push(Buffer.from(b))))
      assert.isUndefined(error)
      const parsed = await through<{ data: { name: string; params: { data: Buffer } } }>(
        clientWire,
        encryption.createDecipher(secret),
        framing.createSplitter(),
        mc.createDeserializer({ state: mc.states.PLAY, isServer: false, version, customPackets: {} })
      )
      expectCustomPayloads(parsed)
    })
  }
})
