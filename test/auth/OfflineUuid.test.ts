import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { createRequire } from "node:module"
import { offlineUuid } from "../../src/auth/OfflineUuid.ts"

// minecraft-protocol's own offline UUID (what its offline clients and servers use): a second,
// independent implementation of Java's UUID.nameUUIDFromBytes.
const { nameToMcOfflineUUID } = createRequire(import.meta.url)("minecraft-protocol/src/datatypes/uuid.js") as {
  nameToMcOfflineUUID: (name: string) => string
}

describe("offlineUuid", () => {
  it("is vanilla's for known names (not Infrarust's nil-namespace variant)", () => {
    assert.strictEqual(offlineUuid("Notch"), "b50ad385-829d-3141-a216-7e7d7539ba7f")
    assert.notStrictEqual(offlineUuid("Notch"), "0a6bfc7c-05e5-3c8a-9584-264834746b71")
  })

  it("agrees with minecraft-protocol for any name, with version 3 and the IETF variant", () => {
    fc.assert(fc.property(fc.string({ unit: "grapheme", maxLength: 16 }), (name) => {
      const uuid = offlineUuid(name)
      assert.strictEqual(uuid, nameToMcOfflineUUID(name))
      assert.match(uuid, /^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    }))
  })

  it("is case-sensitive, as vanilla is", () => assert.notStrictEqual(offlineUuid("notch"), offlineUuid("Notch")))
})
