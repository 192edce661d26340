import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { canonicalUuid, uuidFromBytes, uuidToBytes } from "../../src/protocol/Uuid.ts"

describe("Uuid", () => {
  it("round-trips bytes ↔ canonical string", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
      const s = uuidFromBytes(raw, 0)
      assert.match(s, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
      assert.deepStrictEqual(uuidToBytes(s), raw)
    }))
  })

  it("canonicalises undashed and upper-case forms, and refuses anything else", () => {
    assert.strictEqual(canonicalUuid("069A79F444E94726A5BEFCA90E38AAF5"), "069a79f4-44e9-4726-a5be-fca90e38aaf5")
    assert.strictEqual(canonicalUuid("069a79f4-44e9-4726-a5be-fca90e38aaf5"), "069a79f4-44e9-4726-a5be-fca90e38aaf5")
    for (const bad of ["", "069a79f4-44e9-4726-a5be-fca90e38aaf", "069a79f444e9-4726-a5be-fca90e38aaf5", "zzzzzzzz-44e9-4726-a5be-fca90e38aaf5"]) {
      assert.isUndefined(canonicalUuid(bad), bad)
    }
  })
})
