/**
 * The Velocity payload against the independent parser and HMAC check of the Velocity backend
 * shim (test/support/ForwardingBackends.ts), and the version negotiation of reference §2.12.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import type { ForwardedPlayer } from "../../src/forwarding/ForwardedPlayer.ts"
import {
  type ChatSessionKey,
  encodeVelocityPayload,
  negotiateVelocityVersion,
  requestedVelocityVersion,
  signVelocityPayload,
  VELOCITY_PLAYER_INFO_CHANNEL,
  velocityPlayerInfoAnswer,
  type VelocityVersion
} from "../../src/forwarding/VelocityForwarding.ts"
import { isEncodedBytes } from "../../src/protocol/ByteWriter.ts"
import { isProtocolError } from "../../src/protocol/ProtocolError.ts"
import { parseVelocityPayload, velocitySignatureValid } from "../support/ForwardingBackends.ts"

const property = fc.record({ name: fc.string({ maxLength: 20 }), value: fc.string({ maxLength: 60 }), signature: fc.string({ maxLength: 60 }) }, {
  requiredKeys: ["name", "value"]
})
const forwardedPlayer: fc.Arbitrary<ForwardedPlayer> = fc.record({
  address: fc.oneof(fc.ipV4(), fc.ipV6()),
  profile: fc.record({ id: fc.uuid(), name: fc.stringMatching(/^[A-Za-z0-9_]{1,16}$/), properties: fc.array(property, { maxLength: 3 }) })
})
const key: ChatSessionKey = { expiry: 1_700_000_000_000n, publicKey: Uint8Array.of(1, 2, 3), signature: Uint8Array.of(4, 5) }

/** Well-formed UTF-16 only: lone surrogates become U+FFFD in UTF-8, as in Java. */
const wellFormed = (p: ForwardedPlayer): boolean =>
  [p.address, p.profile.name, ...p.profile.properties.flatMap((q) => [q.name, q.value, q.signature ?? ""])].every((s) => s.isWellFormed())

describe("Velocity modern forwarding", () => {
  it("negotiates as reference §2.12 says", () => {
    const cases: ReadonlyArray<readonly [number, number, boolean, VelocityVersion]> = [
      [0, 775, false, 1],
      [1, 775, false, 1],
      [2, 775, false, 1],
      [3, 775, true, 1],
      [4, 775, false, 4],
      [9, 761, false, 4],
      [4, 760, false, 1],
      [4, 760, true, 2],
      [2, 759, true, 2],
      [1, 759, true, 1],
      [4, 340, false, 1]
    ]
    for (const [requested, client, withKey, expected] of cases) {
      assert.strictEqual(negotiateVelocityVersion(requested, client, withKey ? key : undefined), expected, `${requested}/${client}/${withKey}`)
    }
    assert.strictEqual(requestedVelocityVersion({ data: new Uint8Array() }), 1)
    assert.strictEqual(requestedVelocityVersion({ data: Uint8Array.of(4, 9) }), 4)
  })

  it("encodes v1 and v4 payloads the backend parses back, signed so its HMAC check passes", () => {
    fc.assert(fc.property(forwardedPlayer.filter(wellFormed), fc.constantFrom<VelocityVersion>(1, 4), fc.string({ minLength: 1, maxLength: 32 }), (player, version, secret) => {
      const payload = encodeVelocityPayload(version, player)
      if (!isEncodedBytes(payload)) return assert.fail(payload.message)
      const data = Buffer.from(signVelocityPayload(secret, payload))
      assert.isTrue(velocitySignatureValid(data, secret))
      assert.isFalse(velocitySignatureValid(data, secret + "x"))
      const parsed = parseVelocityPayload(data.subarray(32))
      assert.deepStrictEqual(parsed, { address: player.address, uuid: player.profile.id, name: player.profile.name, properties: player.profile.properties, version })
    }), { numRuns: 200 })
  })

  it("carries the chat key in v2, and its holder in v3", () => {
    const player: ForwardedPlayer = { address: "10.0.0.1", profile: { id: "00000000-0000-0000-0000-000000000001", name: "A", properties: [] } }
    const holder = "11111111-2222-3333-4444-555555555555"
    for (const [version, withHolder] of [[2, false], [3, false], [3, true]] as const) {
      const k = withHolder ? { ...key, holder } : key
      const payload = encodeVelocityPayload(version, player, k)
      if (!isEncodedBytes(payload)) return assert.fail(payload.message)
      const parsed = parseVelocityPayload(Buffer.from(payload))
      assert.deepStrictEqual(parsed.key, {
        expiry: key.expiry,
        publicKey: Buffer.from(key.publicKey),
        signature: Buffer.from(key.signature),
        ...(withHolder ? { holder } : {})
      })
    }
    assert.isTrue(isProtocolError(encodeVelocityPayload(2, player)))
  })

  it("answers a request with its message id and the negotiated version", () => {
    const player: ForwardedPlayer = { address: "10.0.0.1", profile: { id: "00000000-0000-0000-0000-000000000001", name: "A", properties: [] } }
    const answer = velocityPlayerInfoAnswer({ messageId: 77, channel: VELOCITY_PLAYER_INFO_CHANNEL, data: Uint8Array.of(4) }, player, "k", 769)
    if (isProtocolError(answer)) return assert.fail(answer.message)
    assert.strictEqual(answer.messageId, 77)
    assert.strictEqual(parseVelocityPayload(Buffer.from(answer.data!).subarray(32)).version, 4)
    // A name over 16 characters cannot be forwarded.
    const long = velocityPlayerInfoAnswer({ messageId: 1, channel: VELOCITY_PLAYER_INFO_CHANNEL, data: Uint8Array.of(1) }, { ...player, profile: { ...player.profile, name: "x".repeat(17) } }, "k", 769)
    assert.isTrue(isProtocolError(long))
  })
})
