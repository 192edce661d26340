/**
 * The workers' copy of the ban list is used only while it is the current one: a change makes
 * every copy stale before the new list answers anywhere, until the copy receives it.
 */
import { assert, describe, it } from "@effect/vitest"
import type { BanEntry } from "../../src/security/Ban.ts"
import { makeBanCopy, makeBanMirror, type MirroredBans } from "../../src/workers/BanMirror.ts"

const ban = (value: string): BanEntry => ({ target: { type: "username", value }, reason: "test", expiresAt: undefined, createdAt: 0, source: "test" })

describe("BanMirror", () => {
  it("a copy answers while current, is stale from the moment the list changes, and current again once updated", () => {
    const mirror = makeBanMirror()
    const sent: Array<MirroredBans> = []
    mirror.onChange = (m) => sent.push(m)
    mirror.publish([ban("villain")])
    const copy = makeBanCopy(mirror.buffer, mirror.current())
    assert.strictEqual(copy.lookup({ username: "villain" }, 0), sent[0]!.bans[0])
    assert.isUndefined(copy.lookup({ username: "hero" }, 0))

    mirror.publish([ban("villain"), ban("hero")])
    assert.strictEqual(copy.lookup({ username: "hero" }, 0), "stale", "stale before the new list arrives")
    copy.update(sent[1]!)
    assert.strictEqual((copy.lookup({ username: "hero" }, 0) as BanEntry).target.value, "hero")

    // An older list arriving late never replaces a newer one.
    copy.update(sent[0]!)
    assert.strictEqual((copy.lookup({ username: "hero" }, 0) as BanEntry).target.value, "hero")
  })

  it("expired bans stop matching in the copy too", () => {
    const mirror = makeBanMirror()
    mirror.publish([{ ...ban("brief"), expiresAt: 10 }])
    const copy = makeBanCopy(mirror.buffer, mirror.current())
    assert.notStrictEqual(copy.lookup({ username: "brief" }, 5_000), undefined)
    assert.isUndefined(copy.lookup({ username: "brief" }, 11_000))
  })
})
