/**
 * Which server a typed name means (exact, then in any case when unambiguous) and where a player
 * may switch to under the network rule, on server files parsed as the proxy parses them.
 */
import { assert, describe, it } from "@effect/vitest"
import { Result } from "effect"
import { type LoadedServer, loadedServer, parseServerConfig } from "../../src/config/ConfigLoader.ts"
import { choicesFrom, matchServer } from "../../src/command/ServerChoice.ts"
import { serverOf as currentServer } from "../../src/session/Session.ts"

/** A server file of an offline server `id`, in `network` (none when undefined). */
const server = (id: string, network?: string, mode = "offline"): LoadedServer => {
  const text = `domains = ["${id.toLowerCase()}.example.com"]\naddresses = ["127.0.0.1:25565"]\nproxy_mode = "${mode}"\n${network === undefined ? "" : `network = "${network}"\n`}`
  const parsed = parseServerConfig(text, `${id}.toml`, id)
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
  return loadedServer(parsed.success, `servers/${id}.toml`)
}

describe("matchServer", () => {
  const ids = ["lobby", "Survival", "event", "Event"]
  it("an exact id wins, even when another id differs only in case", () => {
    assert.deepStrictEqual(matchServer(ids, "lobby"), { _tag: "Found", id: "lobby" })
    assert.deepStrictEqual(matchServer(ids, "Event"), { _tag: "Found", id: "Event" })
  })
  it("else the one id equal in any case", () => {
    assert.deepStrictEqual(matchServer(ids, "LOBBY"), { _tag: "Found", id: "lobby" })
    assert.deepStrictEqual(matchServer(ids, "survival"), { _tag: "Found", id: "Survival" })
  })
  it("two such ids are ambiguous; none is unknown", () => {
    assert.deepStrictEqual(matchServer(ids, "EVENT"), { _tag: "Ambiguous", ids: ["event", "Event"] })
    assert.deepStrictEqual(matchServer(ids, "nowhere"), { _tag: "Unknown" })
  })
})

describe("choicesFrom", () => {
  const servers = [server("lobby", "main"), server("survival", "main"), server("event", "other"), server("solo"), server("relay", undefined, "passthrough")]
  it("the current server's network, in table order, the current one included", () => {
    assert.deepStrictEqual(choicesFrom(servers, "survival"), { _tag: "Network", ids: ["lobby", "survival"] })
    assert.deepStrictEqual(choicesFrom(servers, "event"), { _tag: "Network", ids: ["event"] })
  })
  it("an isolated server and a server no longer loaded offer nothing", () => {
    assert.deepStrictEqual(choicesFrom(servers, "solo"), { _tag: "Isolated" })
    assert.deepStrictEqual(choicesFrom(servers, "relay"), { _tag: "Isolated" })
    assert.deepStrictEqual(choicesFrom(servers, "gone"), { _tag: "Unloaded" })
  })
})

describe("the server a player switches from (session serverOf)", () => {
  it("the server played on or being left; none in limbo or once ended", () => {
    assert.strictEqual(currentServer({ _tag: "Playing", server: "lobby", backend: "127.0.0.1:1" }), "lobby")
    assert.strictEqual(currentServer({ _tag: "Connecting", server: "lobby" }), "lobby")
    assert.strictEqual(currentServer({ _tag: "Switching", from: "lobby", backend: "127.0.0.1:1", to: "survival" }), "lobby")
    assert.strictEqual(currentServer({ _tag: "Limbo", waitingFor: "survival" }), undefined)
    assert.strictEqual(currentServer({ _tag: "Ended" }), undefined)
  })
})
