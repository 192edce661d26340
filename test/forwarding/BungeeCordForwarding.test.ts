import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { BUNGEEGUARD_TOKEN_PROPERTY, bungeeCordHost, bungeeGuardHost } from "../../src/forwarding/BungeeCordForwarding.ts"
import type { ForwardedPlayer } from "../../src/forwarding/ForwardedPlayer.ts"

const player = (properties: ForwardedPlayer["profile"]["properties"]): ForwardedPlayer => ({
  address: "2001:db8::7",
  profile: { id: "069A79F4-44E9-4726-A5BE-FCA90E38AAF5", name: "Notch", properties }
})

describe("BungeeCord forwarding host", () => {
  it("is host\\0ip\\0undashed lower-case uuid\\0properties JSON", () => {
    assert.strictEqual(
      bungeeCordHost("play.example.com", player([{ name: "textures", value: "v", signature: "s" }, { name: "n", value: "x" }])),
      "play.example.com\u00002001:db8::7\u0000069a79f444e94726a5befca90e38aaf5\u0000" +
        `[{"name":"textures","value":"v","signature":"s"},{"name":"n","value":"x"}]`
    )
    assert.isTrue(bungeeCordHost("h", player([])).endsWith("\u0000[]"))
  })

  it("BungeeGuard appends its token property with an empty signature", () => {
    const host = bungeeGuardHost("h", player([{ name: "textures", value: "v" }]), "tok3n")
    const props = JSON.parse(host.split("\u0000")[3]!)
    assert.deepStrictEqual(props, [{ name: "textures", value: "v" }, { name: BUNGEEGUARD_TOKEN_PROPERTY, value: "tok3n", signature: "" }])
  })

  it("splits back into its four parts for any properties (JSON escapes every \\0)", () => {
    const property = fc.record({ name: fc.string(), value: fc.string(), signature: fc.string() }, { requiredKeys: ["name", "value"] })
    fc.assert(fc.property(fc.array(property, { maxLength: 4 }), fc.domain(), (properties, host) => {
      const parts = bungeeCordHost(host, player(properties)).split("\u0000")
      assert.lengthOf(parts, 4)
      assert.deepStrictEqual(JSON.parse(parts[3]!), properties)
      assert.deepStrictEqual(parts.slice(0, 3), [host, "2001:db8::7", "069a79f444e94726a5befca90e38aaf5"])
    }))
  })
})
