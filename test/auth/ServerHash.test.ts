import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { createHash } from "node:crypto"
import { createRequire } from "node:module"
import { minecraftHexDigest, serverHash } from "../../src/auth/ServerHash.ts"

// yggdrasil (minecraft-protocol's session client) computes the same hash for the client's join.
const { mcHexDigest } = createRequire(createRequire(import.meta.url).resolve("minecraft-protocol"))("yggdrasil/src/utils.js") as {
  mcHexDigest: (hash: Buffer) => string
}

const sha1 = (s: string) => new Uint8Array(createHash("sha1").update(s).digest())

describe("server hash", () => {
  it("matches the known vectors, negative ones included", () => {
    assert.strictEqual(minecraftHexDigest(sha1("Notch")), "4ed1f46bbe04bc756bcb17c0c7ce3e4632f06a48")
    assert.strictEqual(minecraftHexDigest(sha1("jeb_")), "-7c9d5b0044c130109a5d7b5fb5c317c02b4e28c1")
    assert.strictEqual(minecraftHexDigest(sha1("simon")), "88e16a1019277b15d58faf0541e11910eb756f6")
  })

  it("is Java's BigInteger(bytes).toString(16) for any digest", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (digest) => {
      let unsigned = 0n
      for (const b of digest) unsigned = (unsigned << 8n) | BigInt(b)
      assert.strictEqual(minecraftHexDigest(digest), BigInt.asIntN(160, unsigned).toString(16))
    }))
    assert.strictEqual(minecraftHexDigest(new Uint8Array(20)), "0")
    assert.strictEqual(minecraftHexDigest(new Uint8Array(20).fill(0xff)), "-1")
  })

  it("hashes server id, secret and key as the client's yggdrasil does", () => {
    // Vanilla writes the id as ISO-8859-1 and yggdrasil as UTF-8: they agree on ASCII, all any server sends.
    fc.assert(fc.property(fc.stringMatching(/^[ -~]{0,20}$/), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 200 }), (id, secret, key) => {
      const expected = mcHexDigest(createHash("sha1").update(id).update(secret).update(key).digest())
      assert.strictEqual(serverHash(id, secret, key), expected)
    }))
  })
})
