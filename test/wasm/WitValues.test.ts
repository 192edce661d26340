/**
 * Events and results in the shapes of the plugin world and back: every awaited result survives
 * the trip through the WIT variant unchanged, a ping reply keeps the fields the world does not
 * carry, and a plugin's plain-text MOTD becomes a string text component.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import type { ChatResult, KickedResult, PingReply, PreConnectResult, PreLoginResult } from "../../src/event/ProxyEvent.ts"
import { argumentsOf, resultOf } from "../../src/wasm/WitValues.ts"
import { player } from "./support.ts"

const text = fc.string({ maxLength: 20 })
const names = fc.array(text, { maxLength: 3 })
const preLogin: fc.Arbitrary<PreLoginResult> = fc.oneof(
  fc.constant({ _tag: "Allowed" } as const),
  text.map((reason) => ({ _tag: "Denied", reason }) as const),
  fc.constant({ _tag: "ForceOffline" } as const),
  fc.constant({ _tag: "ForceOnline" } as const)
)
const preConnect: fc.Arbitrary<PreConnectResult> = fc.oneof(
  fc.constant({ _tag: "Allowed" } as const),
  text.map((server) => ({ _tag: "ConnectTo", server }) as const),
  names.map((handlers) => ({ _tag: "SendToLimbo", handlers }) as const),
  text.map((reason) => ({ _tag: "Denied", reason }) as const)
)
const chat: fc.Arbitrary<ChatResult> = fc.oneof(fc.constant({ _tag: "Allow" } as const), fc.constant({ _tag: "Deny" } as const), text.map((message) => ({ _tag: "Modify", message }) as const))
const kicked: fc.Arbitrary<KickedResult> = fc.oneof(
  text.map((reason) => ({ _tag: "DisconnectPlayer", reason }) as const),
  text.map((server) => ({ _tag: "RedirectTo", server }) as const),
  names.map((handlers) => ({ _tag: "SendToLimbo", handlers }) as const),
  text.map((message) => ({ _tag: "Notify", message }) as const)
)

/** What a plugin that answers with the result it was given hands back. */
const echo = (args: ReadonlyArray<unknown> | undefined) => args?.at(-1)

describe("WIT values", () => {
  it("every awaited result goes through its WIT variant unchanged", () => {
    const p = player("alex")
    fc.assert(fc.property(preLogin, (r) => {
      const args = argumentsOf({ _tag: "PreLogin", attempt: { name: "a", uuid: undefined, client: "1.2.3.4:5", protocolVersion: 769, host: "h" }, server: "s" }, r)
      assert.deepStrictEqual(resultOf("PreLogin", r, echo(args)), r)
    }))
    fc.assert(fc.property(preConnect, (r) => {
      assert.deepStrictEqual(resultOf("ServerPreConnect", r, echo(argumentsOf({ _tag: "ServerPreConnect", player: p, server: "s", previous: undefined }, r))), r)
    }))
    fc.assert(fc.property(chat, (r) => {
      assert.deepStrictEqual(resultOf("ChatMessage", r, echo(argumentsOf({ _tag: "ChatMessage", player: p, message: "m", command: false }, r))), r)
    }))
    fc.assert(fc.property(kicked, (r) => {
      assert.deepStrictEqual(resultOf("KickedFromServer", r, echo(argumentsOf({ _tag: "KickedFromServer", player: p, server: "s", reason: "r" }, r))), r)
    }))
  })

  it("a player crosses as the world's record (session as u64)", () => {
    const args = argumentsOf({ _tag: "PostLogin", player: player("alex", 42) }, undefined)
    assert.deepStrictEqual(args, [{ session: 42n, name: "alex", uuid: undefined, identity: "offline", client: "127.0.0.1:50000", protocolVersion: 769, mode: "offline" }])
  })

  it("a ping reply keeps what the world does not carry; plain text becomes a string component; no favicon removes it", () => {
    const reply: PingReply = {
      version: { name: "1.21.4", protocol: 769 },
      players: { max: 20, online: 3 },
      description: { text: "hello", color: "gold" },
      favicon: "data:image/png;base64,AAAA",
      forgeData: { mods: [] }
    }
    const [ping, wit] = argumentsOf({ _tag: "ProxyPing", client: { address: "127.0.0.1", port: 5 }, host: "mc.example.com", server: "mc", protocolVersion: 769 }, reply)!
    assert.deepStrictEqual(ping, { client: "127.0.0.1:5", host: "mc.example.com", server: "mc", protocolVersion: 769 })
    assert.strictEqual((wit as { description: string }).description, JSON.stringify(reply.description))
    assert.deepStrictEqual(resultOf("ProxyPing", reply, wit), reply, "an unchanged answer is the same reply")
    const changed = resultOf("ProxyPing", reply, { ...(wit as object), description: "plain words", playersOnline: 7, favicon: undefined }) as PingReply
    // The answer is the reply: `none` for the favicon removes it.
    const { favicon: _favicon, ...withoutFavicon } = reply
    assert.deepStrictEqual(changed, { ...withoutFavicon, players: { max: 20, online: 7 }, description: "plain words" })
    assert.strictEqual(resultOf("ProxyPing", reply, undefined), undefined, "none keeps the reply")
  })
})
