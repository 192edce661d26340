import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import * as fs from "node:fs"
import * as path from "node:path"
import { ByteWriter } from "../../src/protocol/ByteWriter.ts"
import {
  decodeLoginStart,
  encodeLoginStart,
  type LoginStart,
  type LoginStartLayout,
  loginStartLayout,
  MAX_FUTURE_LOGIN_START_FRAME_LENGTH,
  MAX_KEY_SIGNATURE_BYTES,
  MAX_PLAYER_NAME_CHARS,
  MAX_PUBLIC_KEY_BYTES,
  maxLoginStartFrameLength
} from "../../src/protocol/LoginStart.ts"
import { isKnownProtocol, NEWEST_KNOWN_PROTOCOL } from "../../src/protocol/ProtocolVersion.ts"
import { assertStream, assertTotal, expectBytes, expectDone, expectError, int64, wellFormedString } from "./Helpers.ts"

const VERSIONS = [4, 5, 47, 340, 754, 758, 759, 760, 761, 762, 763, 764, 765, 769, 775, NEWEST_KNOWN_PROTOCOL + 1]

const signatureData = fc.record({
  timestamp: int64,
  publicKey: fc.uint8Array({ maxLength: 64 }),
  signature: fc.uint8Array({ maxLength: 64 })
})

const loginStart: fc.Arbitrary<LoginStart> = fc.record(
  { name: wellFormedString(MAX_PLAYER_NAME_CHARS), uuid: fc.uuid(), signatureData },
  { requiredKeys: ["name"] }
)

/** What a layout keeps of a Login Start (the encoder drops what the layout cannot carry). */
const expected = (l: LoginStart, protocol: number): LoginStart => {
  const layout = loginStartLayout(protocol)
  const keepsSig = layout === "NameSignature" || layout === "NameSignatureOptionalUuid"
  const keepsUuid = layout !== "Name" && layout !== "NameSignature"
  return {
    name: l.name,
    ...(keepsUuid && l.uuid !== undefined ? { uuid: l.uuid } : {}),
    ...(keepsSig && l.signatureData !== undefined ? { signatureData: l.signatureData } : {})
  }
}

const withoutBounds = <A extends { frameStart: number; frameEnd: number }>({ frameEnd, frameStart, ...rest }: A) => {
  void frameEnd
  void frameStart
  return rest
}

describe("LoginStart", () => {
  it("picks the layout at the documented protocol boundaries", () => {
    const cases: ReadonlyArray<readonly [number, LoginStartLayout]> = [
      [5, "Name"],
      [758, "Name"],
      [759, "NameSignature"],
      [760, "NameSignatureOptionalUuid"],
      [761, "NameOptionalUuid"],
      [763, "NameOptionalUuid"],
      [764, "NameUuid"],
      [775, "NameUuid"],
      [0x40000100, "NameUuid"]
    ]
    for (const [protocol, layout] of cases) assert.strictEqual(loginStartLayout(protocol), layout, String(protocol))
  })

  it("agrees with minecraft-data's packet_login_start for every release it describes", () => {
    const data = path.join(import.meta.dirname, "../../node_modules/minecraft-data/minecraft-data/data")
    const paths = JSON.parse(fs.readFileSync(path.join(data, "dataPaths.json"), "utf8")).pc as Record<
      string,
      { protocol?: string; version?: string }
    >
    const fieldsToLayout: Record<string, LoginStartLayout> = {
      "username": "Name",
      "username,signature:option": "NameSignature",
      "username,signature:option,playerUUID:option": "NameSignatureOptionalUuid",
      "username,playerUUID:option": "NameOptionalUuid",
      "username,playerUUID:UUID": "NameUuid"
    }
    let checked = 0
    for (const [version, p] of Object.entries(paths)) {
      if (p.protocol === undefined || p.version === undefined) continue
      const protocol = JSON.parse(fs.readFileSync(path.join(data, p.version, "version.json"), "utf8")).version as number
      if (!isKnownProtocol(protocol)) continue // snapshots and pre-Netty versions
      const json = JSON.parse(fs.readFileSync(path.join(data, p.protocol, "protocol.json"), "utf8"))
      const fields = (json.login.toServer.types.packet_login_start[1] as Array<{ name: string; type: unknown }>)
        .map((f) => typeof f.type === "string" && f.type !== "UUID" ? f.name : `${f.name}:${Array.isArray(f.type) ? f.type[0] : f.type}`)
        .join(",")
      assert.strictEqual(loginStartLayout(protocol), fieldsToLayout[fields], `${version} (${protocol}): ${fields}`)
      checked++
    }
    assert.isAtLeast(checked, 30)
  })

  it("round-trips every layout, NeedMore on every prefix", () => {
    fc.assert(fc.property(loginStart, fc.constantFrom(...VERSIONS), (l, protocol) => {
      const input = loginStartLayout(protocol) === "NameUuid" && l.uuid === undefined
        ? { ...l, uuid: "00000000-0000-0000-0000-000000000001" }
        : l
      const bytes = expectBytes(encodeLoginStart(input, protocol))
      const d = assertStream(bytes, (b, o) => decodeLoginStart(b, o, protocol))
      assert.deepStrictEqual(withoutBounds(d.value), expected(input, protocol))
      assert.strictEqual(d.value.frameEnd, bytes.length)
    }))
  })

  it("accepts signature data at its maximum sizes and refuses one byte more", () => {
    const sig = { timestamp: 1n, publicKey: new Uint8Array(MAX_PUBLIC_KEY_BYTES), signature: new Uint8Array(MAX_KEY_SIGNATURE_BYTES) }
    const l = { name: "A".repeat(16), uuid: "00000000-0000-0000-0000-000000000001", signatureData: sig }
    const bytes = expectBytes(encodeLoginStart(l, 760))
    assert.isAtMost(bytes.length - 2, maxLoginStartFrameLength(760))
    assert.deepStrictEqual(expectDone(decodeLoginStart(bytes, 0, 760)).value.signatureData, sig)
    const tooBig = { ...l, signatureData: { ...sig, publicKey: new Uint8Array(MAX_PUBLIC_KEY_BYTES + 1) } }
    expectError(encodeLoginStart(tooBig, 759), "TooLarge")
  })

  it("requires a UUID from 1.20.2 on", () => {
    expectError(encodeLoginStart({ name: "Steve" }, 764), "Malformed")
  })

  it("limits names to 16 UTF-16 code units", () => {
    expectError(encodeLoginStart({ name: "A".repeat(17) }, 47), "TooLarge")
    const raw = expectBytes(new ByteWriter().varInt(0).string("A".repeat(17), 100).finishFrame())
    expectError(decodeLoginStart(raw, 0, 47), "TooLarge")
  })

  it("refuses an over-long frame on its length prefix", () => {
    const limit = maxLoginStartFrameLength(765)
    assert.strictEqual(limit, 5 + (5 + 48) + 17)
    expectError(decodeLoginStart(Uint8Array.of(limit + 1), 0, 765), "TooLarge")
    // Unknown future protocols get the largest layout's bound, not the 2 MiB frame maximum.
    const future = NEWEST_KNOWN_PROTOCOL + 1
    assert.strictEqual(maxLoginStartFrameLength(future), MAX_FUTURE_LOGIN_START_FRAME_LENGTH)
    const over = expectBytes(new ByteWriter().varInt(MAX_FUTURE_LOGIN_START_FRAME_LENGTH + 1).finish())
    expectError(decodeLoginStart(over, 0, future), "TooLarge")
  })

  it("refuses trailing bytes for known protocols, tolerates them for newer ones", () => {
    const uuid = "00000000-0000-0000-0000-000000000001"
    const raw = expectBytes(new ByteWriter().varInt(0).string("Steve", 16).uuid(uuid).u8(7).finishFrame())
    expectError(decodeLoginStart(raw, 0, 765), "Malformed")
    const future = expectDone(decodeLoginStart(raw, 0, NEWEST_KNOWN_PROTOCOL + 1))
    assert.deepStrictEqual(withoutBounds(future.value), { name: "Steve", uuid })
  })

  it("refuses a bad option byte and a wrong packet id", () => {
    expectError(decodeLoginStart(expectBytes(new ByteWriter().varInt(0).string("S", 16).u8(2).finishFrame()), 0, 761), "Malformed")
    expectError(decodeLoginStart(expectBytes(new ByteWriter().varInt(1).string("S", 16).finishFrame()), 0, 47), "Malformed")
  })

  it("is total on arbitrary bytes for every layout", () => {
    for (const protocol of VERSIONS) assertTotal((b, o) => decodeLoginStart(b, o, protocol))
  })
})
