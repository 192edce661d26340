import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import {
  decodeLegacyKick,
  encodeLegacyKick,
  encodeLegacyPingReply,
  type LegacyPingReply,
  legacyReplyText,
  parseLegacyReply
} from "../../src/protocol/LegacyKick.ts"
import { anyUtf16, assertStream, assertTotal, expectBytes, expectError, hex, int32, toHex } from "./Helpers.ts"

const reply: fc.Arbitrary<LegacyPingReply> = fc.oneof(
  fc.record({ _tag: fc.constant("Beta" as const), motd: anyUtf16(40), onlinePlayers: int32, maxPlayers: int32 }),
  fc.record({
    _tag: fc.constant("V1_4" as const),
    protocolVersion: int32,
    serverVersion: anyUtf16(20),
    motd: anyUtf16(40),
    onlinePlayers: int32,
    maxPlayers: int32
  })
)

/** What a reply reads back as: separators are removed from the free-text fields. */
const sanitised = (r: LegacyPingReply): LegacyPingReply =>
  r._tag === "Beta"
    ? { ...r, motd: r.motd.replaceAll("§", "") }
    : { ...r, serverVersion: r.serverVersion.replaceAll("\0", ""), motd: r.motd.replaceAll("\0", "") }

describe("LegacyKick", () => {
  it("round-trips both reply formats, NeedMore on every prefix", () => {
    fc.assert(fc.property(reply, (r) => {
      const bytes = expectBytes(encodeLegacyPingReply(r))
      const d = assertStream(bytes, decodeLegacyKick)
      assert.deepStrictEqual(d.value.reply, sanitised(r))
      assert.strictEqual(d.value.text, legacyReplyText(r))
    }))
  })

  it("matches the wiki's 1.4 example byte for byte", () => {
    // https://minecraft.wiki/w/Java_Edition_protocol/Server_List_Ping#1.4_to_1.5 (hex dump)
    const wiki = hex(`ff00 2300 a700 3100 0000 3400 3700 0000 3100 2e00 3400 2e00 3200 0000 4100 2000
      4d00 6900 6e00 6500 6300 7200 6100 6600 7400 2000 5300 6500 7200 7600 6500 7200 0000 3000 0000 3200 30`)
    const r = { _tag: "V1_4", protocolVersion: 47, serverVersion: "1.4.2", motd: "A Minecraft Server", onlinePlayers: 0, maxPlayers: 20 } as const
    assert.strictEqual(toHex(expectBytes(encodeLegacyPingReply(r))), toHex(wiki))
  })

  it("reads a Beta MOTD containing § codes by splitting at the last two separators", () => {
    assert.deepStrictEqual(parseLegacyReply("§aGreen §lBold§3§50"), { _tag: "Beta", motd: "§aGreen §lBold", onlinePlayers: 3, maxPlayers: 50 })
  })

  it("reports plain kick messages without a reply", () => {
    for (const text of ["Outdated client!", "a§b", "§1\u0000x", "motd§x§2", "§1\u000047\u00001.4\u0000m\u00000\u0000x"]) {
      const bytes = expectBytes(encodeLegacyKick(text))
      assert.deepStrictEqual(assertStream(bytes, decodeLegacyKick).value, { text, reply: undefined })
    }
  })

  it("refuses a non-kick first byte and an over-long text", () => {
    expectError(decodeLegacyKick(hex("fe0000"), 0), "Malformed")
    expectError(encodeLegacyKick("a".repeat(65536)), "TooLarge")
  })

  it("is total on arbitrary bytes", () => assertTotal((b, o) => decodeLegacyKick(b, o)))
})
