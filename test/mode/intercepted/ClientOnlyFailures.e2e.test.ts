/**
 * client_only when authentication fails: every failure ends in a login disconnect the player
 * reads, and an OnlineAuthFailed event — nothing is dropped silently (Infrarust drops them).
 * The player posts its join to one fake session server; the proxy asks another, which is made
 * to not know the join (204), to refuse connections, to answer 500, or to answer too slowly.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { startFakeSessionServer, type FakeMode } from "../../support/FakeSessionServer.ts"
import { loginExpectingKick, reasonText } from "../../support/McClients.ts"
import { mcServer } from "../../support/McPeers.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"
import { rawLogin } from "../../support/RawMcClient.ts"
import { fakeSessions, NOTCH } from "./support.ts"

const VERSION = "1.21.4"
const PROTOCOL = 769

const proxyAsking = (asked: string, timeout = "5s") =>
  Effect.gen(function*() {
    const backend = yield* mcServer(VERSION)
    return yield* startProxy({
      global: `[auth]\nsession_server = "${asked}"\ntimeout = "${timeout}"\n`,
      servers: { "mc.toml": serverToml(["play.example.com"], [backend.address], `proxy_mode = "client_only"`) }
    })
  })

const cases: ReadonlyArray<readonly [string, FakeMode, string, string]> = [
  ["the session server does not know the join (204)", "normal", "Failed to verify username!", "the session server does not know this join (HTTP 204)"],
  ["the session server refuses connections", "refuse", "Authentication servers are down. Please try again later, sorry!", "ECONNREFUSED"],
  ["the session server answers 500", "error", "Authentication servers are down. Please try again later, sorry!", "500"],
  ["the session server answers too slowly", "slow", "Authentication servers are down. Please try again later, sorry!", "no answer within"]
]

describe("client_only authentication failures", () => {
  for (const [what, mode, kick, logged] of cases) {
    it.live(`${what}: the player is disconnected with a message`, () =>
      Effect.gen(function*() {
        const joins = yield* fakeSessions
        const asked = yield* Effect.acquireRelease(Effect.promise(() => startFakeSessionServer()), (f) => Effect.promise(() => f.close()))
        yield* Effect.promise(() => asked.setMode(mode))
        const proxy = yield* proxyAsking(asked.url, "1s")
        const reason = yield* Effect.promise(() =>
          loginExpectingKick(VERSION, proxy.port, "play.example.com", NOTCH.name, 8000, { online: { sessionServer: joins.url, id: NOTCH.id } }))
        assert.strictEqual(reasonText(reason), kick)
        const line = proxy.logs.find((l) => l.message.startsWith(`authentication of ${NOTCH.name} failed`))
        assert.include(line?.message, logged)
        if (mode === "slow") asked.release()
      }), { timeout: 30_000 })
  }

  it.live("a wrong verify token: the player is disconnected, encrypted, with a message", () =>
    Effect.gen(function*() {
      const fake = yield* fakeSessions
      const proxy = yield* proxyAsking(fake.url)
      const outcome = yield* Effect.promise(() => rawLogin(proxy.port, "play.example.com", PROTOCOL, NOTCH.name, { online: { sessionServer: fake.url, id: NOTCH.id }, wrongToken: true }))
      assert.deepStrictEqual(outcome._tag === "Kicked" ? reasonText(outcome.reason) : outcome._tag, "Failed to verify username!")
      assert.isTrue(proxy.logs.some((l) => /authentication of Notch failed: encryption check failed: .*verify token/.test(l.message)))
    }), { timeout: 30_000 })
})
