import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { type HostPortRules, parseHostPort } from "../../src/config/HostPort.ts"

const backend: HostPortRules = { portOptional: true, ipOnly: false, minPort: 1 }
const listen: HostPortRules = { portOptional: false, ipOnly: true, minPort: 0 }

const ok = (text: string, rules: HostPortRules) => {
  const parsed = parseHostPort(text, rules)
  if (Result.isFailure(parsed)) throw new Error(`${JSON.stringify(text)} was rejected: ${parsed.failure}`)
  return [parsed.success.host, parsed.success.port, parsed.success.text]
}

const reason = (text: string, rules: HostPortRules): string => {
  const parsed = parseHostPort(text, rules)
  if (Result.isSuccess(parsed)) throw new Error(`${JSON.stringify(text)} was accepted`)
  return parsed.failure
}

describe("HostPort", () => {
  describe("backend addresses", () => {
    it("host:port", () => assert.deepStrictEqual(ok("mc.internal:25566", backend), ["mc.internal", 25566, "mc.internal:25566"]))
    it("IPv4:port", () => assert.deepStrictEqual(ok("10.0.0.5:25565", backend), ["10.0.0.5", 25565, "10.0.0.5:25565"]))
    it("[IPv6]:port, host without brackets", () =>
      assert.deepStrictEqual(ok("[::1]:25565", backend), ["::1", 25565, "[::1]:25565"]))
    it("IPv6 is canonicalised", () => assert.deepStrictEqual(ok("[2001:DB8:0::1]:1", backend).slice(0, 2), ["2001:db8::1", 1]))
    it("a bare host means port 25565", () => assert.deepStrictEqual(ok("mc.internal", backend), ["mc.internal", 25565, "mc.internal"]))
    it("a bare IPv4 means port 25565", () => assert.deepStrictEqual(ok("1.2.3.4", backend), ["1.2.3.4", 25565, "1.2.3.4"]))
    it("a bare [IPv6] means port 25565", () => assert.deepStrictEqual(ok("[::1]", backend), ["::1", 25565, "[::1]"]))
    it("Docker-style names with underscores", () => assert.deepStrictEqual(ok("mc_survival_1:25565", backend)[0], "mc_survival_1"))

    const bad: ReadonlyArray<readonly [string, string]> = [
      ["", "empty"],
      ["   ", "empty"],
      [" host:1", "spaces"],
      ["host:", "port after ':' is missing"],
      ["host:abc", `"abc" is not a port number`],
      ["host:-1", `"-1" is not a port number`],
      ["host:0", "port 0 is out of range (1-65535)"],
      ["host:65536", "port 65536 is out of range"],
      ["host:1234567", "is not a port number"],
      [":25565", "host before ':' is missing"],
      ["::1", "needs brackets"],
      ["2001:db8::1:25565", "needs brackets"],
      ["[::1", "not closed"],
      ["[::1]25565", `expected ":port" after "]"`],
      ["[1.2.3.4]:1", "is not an IPv6 address"],
      ["1.2.3.256:1", `"1.2.3.256" is not an IP address`],
      ["mc server:1", "is not a valid host name"],
      ["mc/server", "is not a valid host name"]
    ]
    for (const [text, expected] of bad) {
      it(`rejects ${JSON.stringify(text)}`, () => assert.include(reason(text, backend), expected))
    }
  })

  describe("listen addresses", () => {
    it("ip:port", () => assert.deepStrictEqual(ok("0.0.0.0:25565", listen), ["0.0.0.0", 25565, "0.0.0.0:25565"]))
    it("[::]:port", () => assert.deepStrictEqual(ok("[::]:25565", listen), ["::", 25565, "[::]:25565"]))
    it("port 0 = any free port", () => assert.deepStrictEqual(ok("127.0.0.1:0", listen), ["127.0.0.1", 0, "127.0.0.1:0"]))
    it("needs a port", () => assert.include(reason("0.0.0.0", listen), "a port is required"))
    it("needs an IP", () => assert.include(reason("localhost:25565", listen), "is not an IP address"))
  })
})
