import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import { DemoConversation, demoText } from "../../src/demo/DemoConversation.ts"
import { decodeLoginDisconnect } from "../../src/protocol/Disconnect.ts"
import { encodeHandshake, NextState } from "../../src/protocol/Handshake.ts"
import { decodeStatusClientbound, encodePingRequest, encodeStatusRequest } from "../../src/protocol/Status.ts"

const text = demoText("/srv/servers/demo.toml", "/srv/servers")
const bytes = (e: Uint8Array | unknown): Uint8Array => {
  if (!(e instanceof Uint8Array)) throw new Error(String(e))
  return e
}
const handshake = (next: number) => bytes(encodeHandshake({ protocolVersion: 769, serverAddress: "localhost", serverPort: 25565, nextState: next } as never))
const concat = (...parts: ReadonlyArray<Uint8Array>) => Uint8Array.from(parts.flatMap((p) => [...p]))

/** Feeds `input` in the given chunk sizes; every frame answered, and whether it ended. */
const run = (input: Uint8Array, cuts: ReadonlyArray<number>) => {
  const conversation = new DemoConversation(text)
  const out: Array<Uint8Array> = []
  let rest = new Uint8Array(0)
  let at = 0
  for (const cut of [...cuts, input.length]) {
    const end = Math.min(input.length, Math.max(at, cut))
    const step = conversation.feed(concat(rest, input.subarray(at, end)))
    out.push(...step.out)
    if (step.end) return { out, end: true }
    rest = Uint8Array.from(step.rest)
    at = end
  }
  return { out, end: false }
}

describe("DemoConversation", () => {
  it("status: a MOTD with the client's protocol, then the pong; in any chunking", () => {
    const input = concat(handshake(NextState.Status), encodeStatusRequest(), encodePingRequest(42n))
    fc.assert(fc.property(fc.array(fc.nat({ max: input.length }), { maxLength: 6 }), (cuts) => {
      const { end, out } = run(input, [...cuts].sort((a, b) => a - b))
      assert.isTrue(end)
      assert.strictEqual(out.length, 2)
      const status = decodeStatusClientbound(out[0]!, 0)
      if (status._tag !== "Done" || status.value._tag !== "StatusResponse") throw new Error("no status response")
      const json = JSON.parse(status.value.json) as { version: { protocol: number }; description: { text: string } }
      assert.strictEqual(json.version.protocol, 769)
      assert.include(json.description.text, "infrarust-ts is running")
      assert.deepStrictEqual([...out[1]!], [9, 1, 0, 0, 0, 0, 0, 0, 0, 42])
    }))
  })

  it("login: the kick says where the server files go", () => {
    const { end, out } = run(concat(handshake(NextState.Login), Uint8Array.of(2, 0, 0)), [])
    assert.isTrue(end)
    const kick = decodeLoginDisconnect(out[0]!, 0)
    if (kick._tag !== "Done") throw new Error("no disconnect")
    assert.include(JSON.stringify(kick.value), "/srv/servers")
  })

  it("is total: arbitrary bytes never throw, and garbage ends the conversation", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (input) => {
      const conversation = new DemoConversation(text)
      const step = conversation.feed(input)
      // What is kept is a suffix of the input (a frame still arriving), never more.
      assert.isTrue(step.end || step.rest.length <= input.length)
      assert.isTrue(step.out.every((frame) => frame instanceof Uint8Array && frame.length > 0))
    }))
    // A legacy ping (0xFE) or a frame announcing too much is not a conversation: it ends.
    assert.isTrue(new DemoConversation(text).feed(Uint8Array.of(0xfe, 0xff, 0xff, 0xff, 0xff)).end)
  })
})
