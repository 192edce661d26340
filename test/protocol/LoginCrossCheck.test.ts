/**
 * The login-state codecs against minecraft-protocol 1.68.0's own serializer and parser (protodef
 * over minecraft-data 3.117.0), for every release the library supports: what we encode, it
 * parses to the same values; what it serializes, we decode to the same values. This pins each
 * per-version layout (1.7's short arrays, 1.16's binary UUID, 1.19's properties and salt
 * signatures, 1.20.5's flags) to an implementation written by other people.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import minecraftData from "minecraft-data"
import mc from "minecraft-protocol"
import type { Encoded } from "../../src/protocol/ByteWriter.ts"
import type { Decode } from "../../src/protocol/Decode.ts"
import { decodeEncryptionRequest, type EncryptionRequest, encodeEncryptionRequest } from "../../src/protocol/EncryptionRequest.ts"
import {
  decodeEncryptionResponse,
  type EncryptionResponse,
  encodeEncryptionResponse,
  encryptionResponseLayout
} from "../../src/protocol/EncryptionResponse.ts"
import type { ProfileProperty } from "../../src/protocol/GameProfile.ts"
import { decodeLoginAcknowledged, encodeLoginAcknowledged } from "../../src/protocol/LoginAcknowledged.ts"
import { decodeLoginPluginRequest, encodeLoginPluginRequest, type LoginPluginRequest } from "../../src/protocol/LoginPluginRequest.ts"
import { decodeLoginPluginResponse, encodeLoginPluginResponse, type LoginPluginResponse } from "../../src/protocol/LoginPluginResponse.ts"
import { decodeLoginSuccess, encodeLoginSuccess, type LoginSuccess, loginSuccessLayout } from "../../src/protocol/LoginSuccess.ts"
import { PROTOCOL_1_13, PROTOCOL_1_20_2, PROTOCOL_1_8 } from "../../src/protocol/ProtocolVersion.ts"
import { decodeSetCompression, encodeSetCompression } from "../../src/protocol/SetCompression.ts"
import { decodeVarInt, encodeVarInt } from "../../src/protocol/VarInt.ts"
import { concat, expectBytes, expectDone, int32, int64, wellFormedString, withoutBounds } from "./Helpers.ts"

type Params = Record<string, unknown>
interface Codec {
  readonly write: (packet: { readonly name: string; readonly params: object }) => Uint8Array
  readonly read: (bytes: Uint8Array) => { readonly name: string; readonly params: Params }
}

/** protodef writes byte fields with `Buffer#copy`, so plain Uint8Arrays become Buffers. */
const buffers = (value: unknown): unknown =>
  value instanceof Uint8Array
    ? Buffer.from(value)
    : value !== null && typeof value === "object" && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, buffers(v)]))
    : value

/** minecraft-protocol's view of one direction of the login state in `version`. */
const codec = (version: string, toClient: boolean): Codec => {
  const serializer = mc.createSerializer({ state: mc.states.LOGIN, isServer: toClient, version } as mc.SerializerOptions) as unknown as {
    createPacketBuffer: (p: unknown) => Buffer
  }
  const parser = mc.createDeserializer({ state: mc.states.LOGIN, isServer: !toClient, version } as mc.SerializerOptions) as unknown as {
    parsePacketBuffer: (b: Buffer) => { data: { name: string; params: Params } }
  }
  return {
    write: (packet) => new Uint8Array(serializer.createPacketBuffer({ name: packet.name, params: buffers(packet.params) })),
    read: (bytes) => parser.parsePacketBuffer(Buffer.from(bytes)).data
  }
}

/** Our frame without its length prefix (protodef works on `packet id + payload`). */
const unframe = (encoded: Encoded): Uint8Array => {
  const bytes = expectBytes(encoded)
  const length = decodeVarInt(bytes, 0)
  if (length._tag !== "Done") return assert.fail("bad frame")
  return bytes.subarray(length.offset)
}
const frame = (packet: Uint8Array): Uint8Array => concat(encodeVarInt(packet.length), packet)
const decoded = <A extends { frameStart: number; frameEnd: number }>(d: Decode<A>) => withoutBounds(expectDone(d).value)

const buf = (b: unknown): Uint8Array => new Uint8Array(b as Buffer)
const props = (p: unknown): ReadonlyArray<ProfileProperty> =>
  (p as Array<{ name: string; value: string; signature?: string | null }>).map(({ name, signature, value }) =>
    signature == null ? { name, value } : { name, value, signature }
  )

const RUNS = { numRuns: 12 }
const bytes = (max: number) => fc.uint8Array({ maxLength: max })
const property = fc.record({ name: wellFormedString(12), value: wellFormedString(40), signature: wellFormedString(40) }, {
  requiredKeys: ["name", "value"]
})

const versions = (mc as unknown as { supportedVersions: ReadonlyArray<string> }).supportedVersions

describe("login codecs agree with minecraft-protocol", () => {
  it("covers every version it supports (1.7 to 26.1)", () => {
    assert.isAtLeast(versions.length, 30)
    assert.include(versions, "1.7")
    assert.include(versions, "26.1")
  })

  for (const version of versions) {
    const protocol = minecraftData(version).version.version ?? assert.fail(`no protocol number for ${version}`)
    it(`${version} (protocol ${protocol})`, () => {
      const client = codec(version, true)
      const server = codec(version, false)

      fc.assert(fc.property(
        fc.record({ serverId: wellFormedString(20), publicKey: bytes(200), verifyToken: bytes(8), shouldAuthenticate: fc.boolean() }),
        (r: EncryptionRequest) => {
          const theirs = client.read(unframe(encodeEncryptionRequest(r, protocol)))
          assert.strictEqual(theirs.name, "encryption_begin")
          assert.deepStrictEqual(buf(theirs.params["publicKey"]), r.publicKey)
          assert.deepStrictEqual(buf(theirs.params["verifyToken"]), r.verifyToken)
          assert.strictEqual(theirs.params["serverId"], r.serverId)
          if (protocol >= 766) assert.strictEqual(theirs.params["shouldAuthenticate"], r.shouldAuthenticate)
          const ours = decoded(decodeEncryptionRequest(frame(client.write({ name: "encryption_begin", params: r })), 0, protocol))
          assert.deepStrictEqual(ours, protocol >= 766 ? r : { serverId: r.serverId, publicKey: r.publicKey, verifyToken: r.verifyToken })
        }
      ), RUNS)

      const salted = encryptionResponseLayout(protocol) === "VarIntArraysOrSalt"
      fc.assert(fc.property(bytes(140), bytes(140), int64, fc.boolean(), (secret, other, salt, withSalt) => {
        const r: EncryptionResponse = {
          encryptedSharedSecret: secret,
          verification: salted && withSalt
            ? { _tag: "SaltSignature", salt, signature: other }
            : { _tag: "VerifyToken", encryptedVerifyToken: other }
        }
        const theirs = server.read(unframe(encodeEncryptionResponse(r, protocol))).params
        assert.deepStrictEqual(buf(theirs["sharedSecret"]), secret)
        const crypto = (salted ? theirs["crypto"] : theirs) as Params
        if (r.verification._tag === "SaltSignature") {
          assert.strictEqual((crypto["salt"] as { valueOf(): bigint }).valueOf(), salt)
          assert.deepStrictEqual(buf(crypto["messageSignature"]), other)
        } else {
          assert.deepStrictEqual(buf(crypto["verifyToken"]), other)
        }
        const params = !salted
          ? { sharedSecret: secret, verifyToken: other }
          : r.verification._tag === "SaltSignature"
          ? { sharedSecret: secret, hasVerifyToken: false, crypto: { salt, messageSignature: other } }
          : { sharedSecret: secret, hasVerifyToken: true, crypto: { verifyToken: other } }
        assert.deepStrictEqual(decoded(decodeEncryptionResponse(frame(server.write({ name: "encryption_begin", params })), 0, protocol)), r)
      }), RUNS)

      const layout = loginSuccessLayout(protocol)
      fc.assert(fc.property(fc.uuid(), wellFormedString(16), fc.array(property, { maxLength: 3 }), fc.boolean(), (uuid, username, properties, strict) => {
        const s: LoginSuccess = { uuid, username, properties, strictErrorHandling: strict }
        const theirs = client.read(unframe(encodeLoginSuccess(s, protocol))).params
        assert.strictEqual(theirs["uuid"], uuid)
        assert.strictEqual(theirs["username"], username)
        if (layout.properties !== "None") assert.deepStrictEqual(props(theirs["properties"]), properties)
        if (layout.strictErrorHandling) assert.strictEqual(theirs["strictErrorHandling"], strict)
        const ours = decoded(decodeLoginSuccess(frame(client.write({ name: "success", params: s })), 0, protocol))
        assert.deepStrictEqual(ours, {
          uuid,
          username,
          properties: layout.properties === "None" ? [] : properties,
          ...(layout.strictErrorHandling ? { strictErrorHandling: strict } : {})
        })
      }), RUNS)

      if (protocol >= PROTOCOL_1_8) {
        fc.assert(fc.property(int32, (threshold) => {
          assert.deepStrictEqual(client.read(unframe(encodeSetCompression({ threshold }, protocol))), { name: "compress", params: { threshold } })
          assert.deepStrictEqual(decoded(decodeSetCompression(frame(client.write({ name: "compress", params: { threshold } })), 0, protocol)), { threshold })
        }), RUNS)
      }

      if (protocol >= PROTOCOL_1_13) {
        fc.assert(fc.property(int32, wellFormedString(30), bytes(40), (messageId, channel, data) => {
          const r: LoginPluginRequest = { messageId, channel, data }
          const theirs = client.read(unframe(encodeLoginPluginRequest(r, protocol)))
          assert.strictEqual(theirs.name, "login_plugin_request")
          assert.deepStrictEqual({ messageId: theirs.params["messageId"], channel: theirs.params["channel"], data: buf(theirs.params["data"]) }, r)
          assert.deepStrictEqual(decoded(decodeLoginPluginRequest(frame(client.write({ name: "login_plugin_request", params: r })), 0, protocol)), r)
        }), RUNS)
        fc.assert(fc.property(int32, fc.option(bytes(40), { nil: undefined }), (messageId, data) => {
          const r: LoginPluginResponse = data === undefined ? { messageId } : { messageId, data }
          const theirs = server.read(unframe(encodeLoginPluginResponse(r, protocol))).params
          assert.strictEqual(theirs["messageId"], messageId)
          assert.deepStrictEqual(theirs["data"] === undefined ? undefined : buf(theirs["data"]), data)
          assert.deepStrictEqual(decoded(decodeLoginPluginResponse(frame(server.write({ name: "login_plugin_response", params: r })), 0, protocol)), r)
        }), RUNS)
      }

      if (protocol >= PROTOCOL_1_20_2) {
        assert.deepStrictEqual(server.read(unframe(encodeLoginAcknowledged(protocol))), { name: "login_acknowledged", params: {} })
        assert.deepStrictEqual(decoded(decodeLoginAcknowledged(frame(server.write({ name: "login_acknowledged", params: {} })), 0, protocol)), {})
      }
    })
  }
})
