/**
 * The arrival gate's answer to a cached server-list ping, over real loopback sockets and the
 * proxy's real routing table, rate limiter, ban list and event bus (only the status cache's answer
 * is given): the whole exchange in one call when the ping is at hand and alone, with the client
 * reading the response, the pong and the end of the stream; every other case handed to the fiber
 * with what was decided, and nothing written; an answer the kernel did not take whole is ended
 * gracefully by the fiber.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, References, SubscriptionRef } from "effect"
import * as Net from "node:net"
import type { ProxyConfig } from "../../src/config/ProxyConfig.ts"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { makeGateAnswer } from "../../src/connection/GateAnswer.ts"
import { PendingConnections } from "../../src/connection/PendingConnections.ts"
import type { ShortcutServices } from "../../src/connection/StatusShortcut.ts"
import { answerCached } from "../../src/connection/StatusStage.ts"
import { Events } from "../../src/event/EventBus.ts"
import { decodeStatusClientbound } from "../../src/protocol/Status.ts"
import { type Route, Router } from "../../src/routing/Router.ts"
import { BanList } from "../../src/security/BanList.ts"
import { makeInbound } from "../../src/socket/Inbound.ts"
import { RateLimiter } from "../../src/security/RateLimiter.ts"
import type { StatusService } from "../../src/status/StatusService.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { loginBytes, statusBytes } from "../support/RawClient.ts"
import { stageServices } from "./support.ts"

const servers = { "open.toml": serverToml(["play.example.com"], ["127.0.0.1:1"]) }
const JSON_BODY = JSON.stringify({ description: "warm" })
const cache = { atHand: (_route: Route) => JSON_BODY } as unknown as StatusService["Service"]
const NO_TRACING = Context.make(References.TracerEnabled, false)

/** An accepted loopback socket (ours) and its client, which collects what it reads until the end or a reset. */
const pair = (localAddress: string) => Effect.acquireRelease(
  Effect.callback<{ readonly server: Net.Server; readonly ours: Net.Socket; readonly client: Net.Socket; readonly received: Promise<{ bytes: Buffer; error: unknown }> }>((resume) => {
    const server = Net.createServer((ours) => {
      ours.on("error", () => {})
      resume(Effect.succeed({ server, ours, client, received }))
    })
    let client!: Net.Socket
    let received!: Promise<{ bytes: Buffer; error: unknown }>
    server.listen(0, "127.0.0.1", () => {
      client = Net.connect({ port: (server.address() as Net.AddressInfo).port, host: "127.0.0.1", localAddress })
      const chunks: Array<Buffer> = []
      received = new Promise((done) => {
        client.on("data", (c: Buffer) => chunks.push(c))
        client.on("end", () => done({ bytes: Buffer.concat(chunks), error: undefined }))
        client.on("error", (error) => done({ bytes: Buffer.concat(chunks), error }))
      })
    })
  }),
  ({ client, ours, server }) => Effect.sync(() => (client.destroy(), ours.destroy(), server.close()))
)

const setup = Effect.gen(function*() {
  const config = yield* SubscriptionRef.get((yield* ProxyConfigStore).config)
  const services: ShortcutServices = { router: yield* Router, rateLimiter: yield* RateLimiter, bans: yield* BanList, events: yield* Events, status: cache }
  const pending = new PendingConnections()
  /** The gate's answer to `bytes` arriving on a fresh socket: whether it answered, the entry, the sockets. */
  const answer = (bytes: Uint8Array, over: Partial<ProxyConfig> = {}, context: Context.Context<never> = NO_TRACING, from = "127.0.0.1") =>
    Effect.gen(function*() {
      const sockets = yield* pair(from)
      const entry = pending.enter(sockets.ours, from, { maxTotal: 0, maxPerAddress: 0 })
      entry.held = bytes
      const answered = makeGateAnswer(services, pending, () => ({ ...config, ...over }), context)(sockets.ours, entry)
      return { answered, entry, ...sockets }
    })
  return { answer, config, pending }
})

const tagsOf = (bytes: Uint8Array) => {
  const tags: Array<string> = []
  for (let offset = 0; offset < bytes.length;) {
    const r = decodeStatusClientbound(bytes, offset)
    if (r._tag !== "Done") break
    tags.push(r.value._tag)
    offset = r.offset
  }
  return tags
}

describe("the arrival gate's status answer", () => {
  it.live("a cached ping with its pong at hand is answered and closed in the call; the client reads both, then the end", () =>
    Effect.gen(function*() {
      const { answer, pending } = yield* setup
      const { answered, client, entry, ours, received } = yield* answer(statusBytes("play.example.com", { pingPayload: 7n }))
      assert.isTrue(answered)
      assert.isTrue(ours.destroyed, "closed before the call returned")
      assert.isTrue(entry.left && pending.size === 0, "no longer pending")
      const got = yield* Effect.promise(() => received)
      assert.isUndefined(got.error, "no reset")
      assert.deepStrictEqual(tagsOf(got.bytes), ["StatusResponse", "PongResponse"])
      assert.isNull(client.errored)
    }).pipe(Effect.scoped, Effect.provide(stageServices({ servers }))))

  it.live("everything else gets its fiber, with what the gate decided and nothing written", () =>
    Effect.gen(function*() {
      const { answer, config } = yield* setup
      const ping = statusBytes("play.example.com")
      const withoutPing = ping.subarray(0, ping.length - 10)
      const one = { rateLimit: { ...config.rateLimit, statusMax: 1 } }
      // The bucket cases come from an address of their own: every decided case takes a token.
      const cases = [
        ["the first ping of a bucket of one", ping, one, NO_TRACING, "answered", "127.0.4.4"],
        ["the second (rate limited: logged by the fiber)", ping, one, NO_TRACING, "limited", "127.0.4.4"],
        ["a vanilla client (its ping comes after the response)", withoutPing, {}, NO_TRACING, "decided", undefined],
        ["bytes after the ping", Buffer.concat([ping, Buffer.from([1, 0])]), {}, NO_TRACING, "decided", undefined],
        ["a login", loginBytes("play.example.com", "alex"), {}, NO_TRACING, "not a cached ping", undefined],
        ["an unknown host", statusBytes("nowhere.example.com"), {}, NO_TRACING, "not a cached ping", undefined],
        ["tracing on", ping, {}, Context.empty(), "not looked at", undefined],
      ] as const
      for (const [name, bytes, over, context, expected, from] of cases) {
        const { answered, entry, ours } = yield* answer(bytes, over, context, from)
        const got = answered ? "answered"
          : entry.shortcut === undefined ? "not looked at"
          : entry.shortcut === null ? "not a cached ping"
          : entry.shortcut.limited !== undefined ? "limited"
          : "decided"
        assert.strictEqual(got, expected, name)
        if (!answered) assert.isTrue(!ours.destroyed && ours.bytesWritten === 0, `${name}: nothing written`)
        if (entry.shortcut) assert.strictEqual(entry.shortcut.json, JSON_BODY, name)
      }
    }).pipe(Effect.scoped, Effect.provide(stageServices({ servers }))))

  it.live("an answer the kernel did not take whole: the fiber ends the connection gracefully after it", () =>
    Effect.gen(function*() {
      const { client, ours, received } = yield* pair("127.0.0.1")
      ours.write(Buffer.from("the part the gate wrote"))
      const closing = yield* Effect.forkChild(answerCached(makeInbound(ours), { json: JSON_BODY, consumed: 0, limited: undefined, written: true }, "127.0.0.1"))
      const got = yield* Effect.promise(() => received)
      assert.strictEqual(got.bytes.toString(), "the part the gate wrote", "nothing written twice")
      assert.isFalse(ours.destroyed, "waits for the client's close")
      client.end()
      yield* Fiber.join(closing)
    }).pipe(Effect.scoped))
})
