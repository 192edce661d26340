/**
 * Real bytes captured by `test/support/fixtures/protocol/capture.ts` from minecraft-protocol
 * 1.68.0 clients and server: every capture must decode to the inputs it was made with, and
 * re-encoding the decoded values must give back the exact bytes.
 */
import { assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as path from "node:path"
import { encodeLoginDisconnect, decodeLoginDisconnect } from "../../src/protocol/Disconnect.ts"
import { decodeHandshake, encodeHandshake } from "../../src/protocol/Handshake.ts"
import { decodeLegacyKick, encodeLegacyPingReply } from "../../src/protocol/LegacyKick.ts"
import { decodeLegacyPing, detectLegacyPing, encodeLegacyPing } from "../../src/protocol/LegacyPing.ts"
import { decodeLoginStart, encodeLoginStart } from "../../src/protocol/LoginStart.ts"
import { protocolOf } from "../../src/protocol/ProtocolVersion.ts"
import {
  decodeStatusClientbound,
  decodeStatusServerbound,
  encodeStatusRequest,
  encodeStatusResponse
} from "../../src/protocol/Status.ts"
import { offlineUuid } from "../support/RawClient.ts"
import { assertStream, expectBytes, expectDone, FIXTURE_DIR, fixture, toHex } from "./Helpers.ts"

interface Capture {
  readonly file: string
  readonly kind: string
  readonly version?: string
  readonly username?: string
  readonly host?: string
  readonly port?: number
  readonly offlineUuid?: string
  readonly signature?: { readonly timestamp: string; readonly publicKeyHex: string; readonly signatureHex: string }
  readonly variant?: string
  readonly protocolVersion?: number
  readonly motd?: string
  readonly maxPlayers?: number
  readonly reason?: string
}

const captures: ReadonlyArray<Capture> = JSON.parse(fs.readFileSync(path.join(FIXTURE_DIR, "captures.json"), "utf8"))
const ofKind = (kind: string) => captures.filter((c) => c.kind === kind)

/** The protocol number of a capture's release name (1.8.9 → 47). */
const protocolOfCapture = (version: string): number => protocolOf(version) ?? assert.fail(`unknown version ${version}`)

describe("captured logins (minecraft-protocol clients)", () => {
  it("covers the versions the proxy must support", () => {
    const versions = new Set(ofKind("login").map((c) => c.version))
    for (const v of ["1.7.10", "1.8.9", "1.12.2", "1.16.5", "1.20.4", "1.21.4", "26.1"]) assert.isTrue(versions.has(v), v)
  })

  for (const c of ofKind("login")) {
    it(`${c.file}: handshake + Login Start decode to what the client was given`, () => {
      const bytes = fixture(c.file)
      const protocol = protocolOfCapture(c.version!)
      assert.deepStrictEqual(detectLegacyPing(bytes, 0), { _tag: "NotLegacy" })
      const h = assertStream(bytes.subarray(0, expectDone(decodeHandshake(bytes, 0)).offset), decodeHandshake)
      assert.deepInclude(h.value, { protocolVersion: protocol, serverAddress: c.host!, serverPort: c.port!, nextState: 2 })
      const l = expectDone(decodeLoginStart(bytes, h.offset, protocol))
      assert.strictEqual(l.offset, bytes.length)
      assert.strictEqual(l.value.name, c.username)
      assert.strictEqual(c.offlineUuid, offlineUuid(c.username!))
      // minecraft-protocol sends the UUID whenever the layout has room for it (1.19.1+).
      assert.strictEqual(l.value.uuid, protocol >= 760 ? c.offlineUuid : undefined)
      if (c.signature !== undefined) {
        const sig = l.value.signatureData!
        assert.strictEqual(sig.timestamp, BigInt(c.signature.timestamp))
        assert.strictEqual(toHex(sig.publicKey), c.signature.publicKeyHex)
        assert.strictEqual(toHex(sig.signature), c.signature.signatureHex)
      } else {
        assert.isUndefined(l.value.signatureData)
      }
      // Our encoders reproduce the client's bytes exactly.
      assert.strictEqual(toHex(expectBytes(encodeHandshake(h.value))), toHex(bytes.subarray(0, h.offset)))
      assert.strictEqual(toHex(expectBytes(encodeLoginStart(l.value, protocol))), toHex(bytes.subarray(h.offset)))
    })
  }
})

describe("captured status pings (minecraft-protocol clients)", () => {
  for (const c of ofKind("status")) {
    it(`${c.file}: handshake (next state 1) + status request`, () => {
      const bytes = fixture(c.file)
      const h = expectDone(decodeHandshake(bytes, 0))
      assert.deepInclude(h.value, { protocolVersion: protocolOfCapture(c.version!), serverAddress: c.host!, serverPort: c.port!, nextState: 1 })
      const req = expectDone(decodeStatusServerbound(bytes, h.offset))
      assert.strictEqual(req.value._tag, "StatusRequest")
      assert.strictEqual(req.offset, bytes.length)
      assert.strictEqual(toHex(bytes.subarray(h.offset)), toHex(encodeStatusRequest()))
    })
  }
})

describe("legacy pings (built by hand from the wiki)", () => {
  for (const c of ofKind("legacy-ping")) {
    it(`${c.file}: ${c.variant}`, () => {
      const bytes = fixture(c.file)
      const d = expectDone(decodeLegacyPing(bytes, 0, false))
      assert.strictEqual(d.value._tag, c.variant)
      assert.strictEqual(d.offset, bytes.length)
      if (d.value._tag === "V1_6") assert.deepInclude(d.value, { protocolVersion: c.protocolVersion!, host: c.host!, port: c.port! })
      assert.strictEqual(toHex(expectBytes(encodeLegacyPing(d.value))), toHex(bytes))
    })
  }
})

describe("captured server answers (minecraft-protocol server)", () => {
  for (const c of ofKind("server-status")) {
    it(`${c.file}: status response`, () => {
      const bytes = fixture(c.file)
      const d = expectDone(decodeStatusClientbound(bytes, 0))
      assert.strictEqual(d.offset, bytes.length)
      if (d.value._tag !== "StatusResponse") return assert.fail("expected a StatusResponse")
      const status = JSON.parse(d.value.json)
      assert.deepStrictEqual(status.version, { name: c.version, protocol: protocolOfCapture(c.version!) })
      assert.deepStrictEqual(status.description, { text: c.motd })
      assert.strictEqual(status.players.max, c.maxPlayers)
      assert.strictEqual(toHex(expectBytes(encodeStatusResponse(d.value.json))), toHex(bytes))
    })
  }

  for (const c of ofKind("server-legacy-kick")) {
    it(`${c.file}: ${c.variant} ping reply`, () => {
      const bytes = fixture(c.file)
      const d = assertStream(bytes, decodeLegacyKick)
      const reply = d.value.reply ?? assert.fail("expected a ping reply")
      assert.strictEqual(reply._tag, c.variant)
      assert.strictEqual(reply.motd, c.motd)
      assert.strictEqual(reply.maxPlayers, c.maxPlayers)
      if (reply._tag === "V1_4") assert.strictEqual(reply.serverVersion, c.version)
      // The Beta MOTD holds § codes, which our encoder strips (old clients split on §).
      if (reply._tag === "V1_4") assert.strictEqual(toHex(expectBytes(encodeLegacyPingReply(reply))), toHex(bytes))
    })
  }

  for (const c of ofKind("server-login-disconnect")) {
    it(`${c.file}: login-state kick`, () => {
      const bytes = fixture(c.file)
      const d = assertStream(bytes, decodeLoginDisconnect)
      assert.deepStrictEqual(JSON.parse(d.value.json), { text: c.reason })
      assert.strictEqual(toHex(expectBytes(encodeLoginDisconnect(c.reason!))), toHex(bytes))
    })
  }
})
