/**
 * The cached-status shortcut's decision, over the proxy's real routing table, ban list, rate
 * limiter and event bus (only the status cache's answer is given): the plain case is decided with
 * the request consumed and the ping left; every condition that is not the plain case leaves the
 * bytes and the rate bucket untouched for the ordinary stages.
 */
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, SubscriptionRef } from "effect"
import type { ProxyConfig } from "../../src/config/ProxyConfig.ts"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { cachedStatusReply, type ShortcutServices } from "../../src/connection/StatusShortcut.ts"
import { Events } from "../../src/event/EventBus.ts"
import { encodePingRequest } from "../../src/protocol/Status.ts"
import { type Route, Router } from "../../src/routing/Router.ts"
import { BanList } from "../../src/security/BanList.ts"
import { RateLimiter } from "../../src/security/RateLimiter.ts"
import type { StatusService } from "../../src/status/StatusService.ts"
import { loginBytes, statusBytes } from "../support/RawClient.ts"
import { serverToml } from "../support/ProxyHarness.ts"
import { stageServices } from "./support.ts"

const servers = {
  "open.toml": serverToml(["play.example.com"], ["127.0.0.1:1"]),
  "private.toml": serverToml(["private.example.com"], ["127.0.0.1:1"], `[ip_filter]\nwhitelist = ["10.0.0.1"]`)
}
const CLIENT = "127.0.0.1"
const NOW = 1_000_000

/** The status cache's side: a fresh answer naming the server and protocol, or none when cold. */
const cache = (warm: () => boolean): StatusService["Service"] =>
  ({ atHand: (route: Route, _config: unknown, protocol: number) => (warm() ? JSON.stringify({ server: route.entry.id, protocol }) : undefined) }) as unknown as StatusService["Service"]

const setup = Effect.gen(function*() {
  const config = yield* SubscriptionRef.get((yield* ProxyConfigStore).config)
  let warm = true
  const services: ShortcutServices = {
    router: yield* Router,
    rateLimiter: yield* RateLimiter,
    bans: yield* BanList,
    events: yield* Events,
    status: cache(() => warm)
  }
  const decide = (bytes: Uint8Array, over: Partial<ShortcutServices> = {}, configOver: Partial<ProxyConfig> = {}, client = CLIENT) => {
    const reply = cachedStatusReply({ ...services, ...over }, bytes, client, { ...config, ...configOver }, NOW, Context.empty())
    return { reply, rest: bytes.subarray(reply?.consumed ?? 0) }
  }
  return { config, decide, cool: (value: boolean) => (warm = !value) }
})

const PING = encodePingRequest(77n)

describe("cached-status shortcut", () => {
  it.live("a fresh cached ping is decided: the handshake and request consumed, the ping left for the reply (consumed says how far)", () =>
    Effect.gen(function*() {
      const { decide } = yield* setup
      const { reply, rest } = decide(statusBytes("Play.Example.COM.", { protocol: 769, pingPayload: 77n }))
      const bytes = statusBytes("Play.Example.COM.", { protocol: 769, pingPayload: 77n })
      assert.deepStrictEqual(reply, { json: JSON.stringify({ server: "open", protocol: 769 }), consumed: bytes.length - PING.length, limited: undefined })
      assert.deepStrictEqual(rest, PING)
    }).pipe(Effect.provide(stageServices({ servers }))))

  it.live("anything but the plain case is left untouched for the ordinary stages", () =>
    Effect.gen(function*() {
      const { config, cool, decide } = yield* setup
      const ping = statusBytes("play.example.com")
      const handshakeOnly = ping.subarray(0, ping.length - PING.length - 2)
      const cases: ReadonlyArray<readonly [string, () => ReturnType<typeof decide>]> = [
        ["a login", () => decide(loginBytes("play.example.com", "alex"))],
        ["the handshake without its request", () => decide(handshakeOnly)],
        ["an unknown host", () => decide(statusBytes("nowhere.example.com"))],
        ["the server's [ip_filter]", () => decide(statusBytes("private.example.com"))],
        ["the global [ip_filter]", () => decide(ping, {}, { ipFilter: { whitelist: [], blacklist: ["127.0.0.0/8"] } as NonNullable<ProxyConfig["ipFilter"]> })],
        ["receive_proxy_protocol", () => decide(ping, {}, { receiveProxyProtocol: true })],
        ["a banned address", () => decide(ping, { bans: { findNow: () => ({}) } as unknown as BanList["Service"] })],
        ["a ban list this thread cannot answer", () => decide(ping, { bans: { findNow: () => "stale" } as unknown as BanList["Service"] })],
        ["a ProxyPing listener", () => decide(ping, { events: { wants: (tag: string) => tag === "ProxyPing" } as unknown as Events["Service"] })],
        ["a limiter in another thread", () => decide(ping, { rateLimiter: { check: () => Effect.die("unused") } as unknown as RateLimiter["Service"] })],
        ["a cold cache", () => (cool(true), decide(ping))]
      ]
      for (const [name, run] of cases) {
        const input = name === "a login" ? loginBytes("play.example.com", "alex") : undefined
        const { reply, rest } = run()
        assert.isUndefined(reply, name)
        assert.isTrue(rest.length > 0 && (input === undefined || rest.length === input.length), `${name}: bytes left`)
      }
      cool(false)
      // A status bucket of one: the fallbacks above took no token, so this ping is not limited.
      const one = { rateLimit: { ...config.rateLimit, statusMax: 1 } }
      assert.isUndefined(decide(ping, {}, one).reply?.limited)
    }).pipe(Effect.provide(stageServices({ servers }))))

  it.live("the status bucket applies: a limited ping is still answered, and says it was limited", () =>
    Effect.gen(function*() {
      const { config, decide } = yield* setup
      const limits = { rateLimit: { ...config.rateLimit, statusMax: 2 } }
      const replies = [1, 2, 3, 4].map(() => decide(statusBytes("play.example.com"), {}, limits, "127.0.9.1").reply)
      assert.deepStrictEqual(replies.map((r) => r?.json !== undefined), [true, true, true, true])
      assert.deepStrictEqual(replies.map((r) => r?.limited?.key), [undefined, undefined, "127.0.9.1", "127.0.9.1"])
      // Another address has its own bucket.
      assert.isUndefined(decide(statusBytes("play.example.com"), {}, limits, "127.0.9.2").reply?.limited)
    }).pipe(Effect.provide(stageServices({ servers }))))
})
