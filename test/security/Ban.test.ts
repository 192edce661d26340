/**
 * Bans as data: canonical targets, Infrarust's kick wording and thresholds, and the
 * `bans.json` format (Infrarust's file reads; ours round-trips; bad files name the entry).
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import fc from "fast-check"
import { type BanEntry, kickMessage, parseBanTarget } from "../../src/security/Ban.ts"
import { decodeBanFile, encodeBanFile } from "../../src/security/BanFile.ts"

const target = (type: string, value: string) => {
  const r = parseBanTarget(type, value)
  if (Result.isFailure(r)) throw new Error(r.failure)
  return r.success
}

const ban = (expiresAt: number | undefined, reason?: string): BanEntry => ({
  target: { type: "username", value: "Griefer" },
  reason,
  expiresAt,
  createdAt: 1_700_000_000,
  source: "console"
})

describe("ban targets", () => {
  it("are canonical: one target, one spelling", () => {
    assert.deepStrictEqual(target("ip", "::ffff:1.2.3.4"), { type: "ip", value: "1.2.3.4" })
    assert.deepStrictEqual(target("ip", "2001:DB8:0:0::1"), { type: "ip", value: "2001:db8::1" })
    assert.deepStrictEqual(target("cidr", "10.1.2.3/8"), { type: "cidr", value: "10.0.0.0/8" })
    assert.deepStrictEqual(target("cidr", "192.0.2.1"), { type: "cidr", value: "192.0.2.1/32" })
    assert.deepStrictEqual(target("uuid", "069A79F444E94726A5BEFCA90E38AAF5"), {
      type: "uuid",
      value: "069a79f4-44e9-4726-a5be-fca90e38aaf5"
    })
    assert.deepStrictEqual(target("username", "Notch"), { type: "username", value: "Notch" })
  })

  it("say what is wrong", () => {
    const error = (type: string, value: string) => {
      const r = parseBanTarget(type, value)
      return Result.isFailure(r) ? r.failure : "accepted"
    }
    assert.include(error("ip", "10.0.0.0/8"), `use a target of type "cidr"`)
    assert.include(error("ip", "1.2.3"), "is not an IP address")
    assert.include(error("uuid", "nope"), "is not a UUID")
    assert.include(error("username", ""), "is not a player name")
    assert.include(error("player", "x"), `unknown target type "player"`)
  })
})

describe("kick message (Infrarust's BanEntry::kick_message)", () => {
  const now = 1_700_000_000_000
  it("permanent, with and without a reason", () => {
    assert.strictEqual(kickMessage(ban(undefined, "griefing"), now), "griefing\n\nThis ban is permanent.")
    assert.strictEqual(kickMessage(ban(undefined), now), "Banned by administrator\n\nThis ban is permanent.")
  })
  it("days above 24 hours, then hours and minutes, then minutes", () => {
    const at = (seconds: number) => kickMessage(ban(now / 1000 + seconds, "x"), now)
    assert.strictEqual(at(3 * 86400 + 5), "x\n\nExpires in 3 day(s)")
    assert.strictEqual(at(25 * 3600), "x\n\nExpires in 1 day(s)")
    assert.strictEqual(at(24 * 3600), "x\n\nExpires in 24h 0m")
    assert.strictEqual(at(2 * 3600 + 30 * 60), "x\n\nExpires in 2h 30m")
    assert.strictEqual(at(59 * 60 + 59), "x\n\nExpires in 59 minute(s)")
    assert.strictEqual(at(30), "x\n\nExpires in 0 minute(s)")
  })
})

describe("bans.json", () => {
  it("reads Infrarust's file (reference §2.20)", () => {
    const text = JSON.stringify({
      bans: [{
        target: { type: "username", value: "Griefer" },
        reason: "griefing",
        expires_at: 1711324800,
        created_at: 1710720000,
        source: "console"
      }],
      audit_log: [{ action: "ban", target: { type: "ip", value: "1.2.3.4" }, reason: null, source: "console", timestamp: 1710720000 }]
    })
    const data = decodeBanFile(text, 0)
    assert.isTrue(Result.isSuccess(data))
    if (Result.isSuccess(data)) {
      assert.deepStrictEqual(data.success.bans, [{
        target: { type: "username", value: "Griefer" },
        reason: "griefing",
        expiresAt: 1711324800,
        createdAt: 1710720000,
        source: "console"
      }])
      assert.strictEqual(data.success.audit[0]?.target.value, "1.2.3.4")
      // What we write is what serde writes: every key, null for absent values.
      assert.deepStrictEqual(JSON.parse(encodeBanFile(data.success)), JSON.parse(text))
    }
  })

  it("is lenient about what does not matter, strict about what does", () => {
    const lenient = decodeBanFile(`{"bans":[{"target":{"type":"cidr","value":"10.0.0.0/8"}}]}`, 42)
    assert.isTrue(Result.isSuccess(lenient))
    if (Result.isSuccess(lenient)) {
      assert.deepStrictEqual(lenient.success.bans[0], {
        target: { type: "cidr", value: "10.0.0.0/8" },
        reason: undefined,
        expiresAt: undefined,
        createdAt: 42,
        source: ""
      })
    }
    assert.deepStrictEqual(decodeBanFile("  \n", 0), Result.succeed({ bans: [], audit: [] }))
    const failure = (text: string) => {
      const r = decodeBanFile(text, 0)
      return Result.isFailure(r) ? r.failure : "accepted"
    }
    assert.include(failure(`{"bans": [`), "not valid JSON")
    assert.include(failure(`{"bans":[{"target":{"type":"ip","value":"1.2.3"}}]}`), "bans[0].target")
    assert.include(failure(`{"bans":[{"target":{"type":"ip","value":"1.2.3.4"},"expires_at":"soon"}]}`), "bans[0].expires_at")
    assert.include(failure(`{"bans":[],"audit_log":[{"action":"nuke"}]}`), "audit_log[0].action")
    assert.include(failure(`[]`), "expected an object")
  })

  it("two bans of one target: the later wins (targets compare canonically, names ignore case)", () => {
    const text = JSON.stringify({
      bans: [
        { target: { type: "username", value: "Steve" }, reason: "first", created_at: 1, source: "" },
        { target: { type: "username", value: "steve" }, reason: "second", created_at: 2, source: "" },
        { target: { type: "ip", value: "::ffff:9.9.9.9" }, created_at: 1, source: "" },
        { target: { type: "ip", value: "9.9.9.9" }, reason: "again", created_at: 2, source: "" }
      ]
    })
    const data = decodeBanFile(text, 0)
    assert.isTrue(Result.isSuccess(data))
    if (Result.isSuccess(data)) assert.deepStrictEqual(data.success.bans.map((b) => b.reason), ["second", "again"])
  })

  it("round-trips anything it writes", () => {
    const targets = fc.oneof(
      fc.ipV4().map((v) => ({ type: "ip", value: v })),
      fc.ipV6().map((v) => ({ type: "ip", value: v })),
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })).map(([ip, bits]) => ({ type: "cidr", value: `${ip}/${bits}` })),
      fc.uuid().map((v) => ({ type: "uuid", value: v })),
      fc.stringMatching(/^[A-Za-z0-9_]{1,16}$/).map((v) => ({ type: "username", value: v }))
    )
    fc.assert(
      fc.property(
        fc.array(fc.record({
          target: targets,
          reason: fc.option(fc.string({ maxLength: 40 }), { nil: undefined }),
          expiresAt: fc.option(fc.integer({ min: 0, max: 2 ** 40 }), { nil: undefined }),
          createdAt: fc.integer({ min: 0, max: 2 ** 40 }),
          source: fc.string({ maxLength: 10 })
        }), { maxLength: 20 }),
        (raw) => {
          const bans = raw.map((b) => ({ ...b, target: target(b.target.type, b.target.value) }))
          const once = decodeBanFile(encodeBanFile({ bans, audit: [] }), 0)
          if (Result.isFailure(once)) return false
          const twice = decodeBanFile(encodeBanFile(once.success), 0)
          return Result.isSuccess(twice) && encodeBanFile(twice.success) === encodeBanFile(once.success)
        }
      ),
      { numRuns: 100 }
    )
  })
})
