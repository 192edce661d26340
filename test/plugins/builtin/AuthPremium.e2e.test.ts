/**
 * The auth plugin's premium detection with real peers: minecraft-protocol clients (online ones
 * through a fake session server), a minecraft-protocol hub, and a real HTTP server playing
 * Mojang's profile API that counts the lookups.
 *
 * - A premium name joins through Mojang with no password; a second visit is answered from the
 *   cache (no second request); an offline client using the name is refused by the Mojang login;
 *   a name Mojang does not know gets the password flow.
 * - Past the rate limit, and with the API down, too slow or answering 1 MiB, the player gets the password flow
 *   (within the timeout, other players not held up), and the log warns once, not per player.
 * - With `premium_lookup` off (the default) no request is made.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { loginExpectingKick, reasonText } from "../../support/McClients.ts"
import { mcServer } from "../../support/McPeers.ts"
import { authProxy, atHub, fakeProfiles, fakeSessions, HOST, logged, NOTCH, premiumLookup, tempPlugins, VERSION } from "./AuthSupport.ts"
import { awaitText, recordedPlayer } from "./support.ts"

const warnings = (proxy: { logs: ReadonlyArray<{ level: string; message: string }> }) =>
  proxy.logs.filter((l) => l.level === "Warn" && l.message.startsWith("premium lookup for"))

describe("auth: premium detection", () => {
  it.live("a premium name gets in through Mojang with no password, cached; a cracked client using it is refused", () =>
    Effect.gen(function*() {
      const sessions = yield* fakeSessions
      const api = yield* fakeProfiles({ [NOTCH.name]: NOTCH.id })
      const hub = yield* mcServer(VERSION)
      const proxy = yield* authProxy(hub.address, yield* tempPlugins, {
        extra: `[auth]\nsession_server = "${sessions.url}"`,
        auth: premiumLookup(api.url)
      })
      const online = { online: { sessionServer: sessions.url, id: NOTCH.id } }
      const first = yield* recordedPlayer(VERSION, proxy.port, HOST, NOTCH.name, online)
      yield* atHub(proxy, "Notch")
      assert.isTrue(proxy.logs.some((l) => l.message.includes("Notch is a premium name: Mojang authenticates them")))
      assert.isFalse(first.texts.some((t) => t.includes("/register") || t.includes("/login")), "no password asked")
      assert.strictEqual(api.count("Notch"), 1)
      first.player.leave()
      yield* Effect.promise(() => first.player.closed)

      // The cached answer: Mojang's login again, and no second request.
      const reason = yield* Effect.promise(() => loginExpectingKick(VERSION, proxy.port, HOST, "notch"))
      assert.strictEqual(reasonText(reason), "Failed to verify username!")
      assert.strictEqual(api.count("Notch"), 1, "the second visit was answered from the cache")

      const alice = yield* recordedPlayer(VERSION, proxy.port, HOST, "Alice")
      yield* awaitText(alice, "set_title_text", ["§6Welcome, Alice!"])
      assert.strictEqual(api.count("Alice"), 1)
      assert.strictEqual(hub.logins(), 1, "only Notch reached the hub")
    }), { timeout: 30_000 })

  it.live("past the rate limit the player gets the password flow without a request, and one warning", () =>
    Effect.gen(function*() {
      const api = yield* fakeProfiles({ [NOTCH.name]: NOTCH.id })
      const hub = yield* mcServer(VERSION)
      const proxy = yield* authProxy(hub.address, yield* tempPlugins, { auth: premiumLookup(api.url, "rate_limit = 1") })
      const steve = yield* recordedPlayer(VERSION, proxy.port, HOST, "Steve")
      yield* awaitText(steve, "set_title_text", ["§6Welcome, Steve!"])
      assert.strictEqual(api.count("Steve"), 1, "the one token")
      // A premium name, but no token left: treated as cracked, so an offline client gets in to register.
      const notch = yield* recordedPlayer(VERSION, proxy.port, HOST, NOTCH.name)
      yield* awaitText(notch, "set_title_text", ["§6Welcome, Notch!"])
      const jeb = yield* recordedPlayer(VERSION, proxy.port, HOST, "jeb_")
      yield* awaitText(jeb, "set_title_text", ["§6Welcome, jeb_!"])
      assert.deepStrictEqual(api.asked, ["Steve"])
      assert.strictEqual(warnings(proxy).length, 1, "one warning for two players")
      assert.include(warnings(proxy)[0]!.message, "the rate limit of 1 per 10m is reached")
    }), { timeout: 30_000 })

  it.live("with the API down, too slow or answering nonsense the player gets the password flow within the timeout", () =>
    Effect.gen(function*() {
      const api = yield* fakeProfiles({ [NOTCH.name]: NOTCH.id })
      const hub = yield* mcServer(VERSION)
      const proxy = yield* authProxy(hub.address, yield* tempPlugins, { auth: premiumLookup(api.url, "timeout_seconds = 0.5") })
      api.setMode("down")
      const notch = yield* recordedPlayer(VERSION, proxy.port, HOST, NOTCH.name)
      yield* awaitText(notch, "set_title_text", ["§6Welcome, Notch!"])
      yield* logged(proxy, "premium lookup for Notch not made (HTTP 503)")
      api.setMode("huge")
      const grumm = yield* recordedPlayer(VERSION, proxy.port, HOST, "Grumm")
      yield* awaitText(grumm, "set_title_text", ["§6Welcome, Grumm!"])
      yield* logged(proxy, "premium lookup for Grumm not made: an answer larger than 16384 bytes")
      notch.player.leave()
      yield* Effect.promise(() => notch.player.closed)

      // An unknown answer is not cached: the next visit asks again, and waits at most 0.5 s.
      api.setMode("slow")
      const started = Date.now()
      const [again, other] = yield* Effect.all([
        recordedPlayer(VERSION, proxy.port, HOST, NOTCH.name),
        recordedPlayer(VERSION, proxy.port, HOST, "Dinnerbone")
      ], { concurrency: 2 })
      yield* awaitText(again, "set_title_text", ["§6Welcome, Notch!"])
      yield* awaitText(other, "set_title_text", ["§6Welcome, Dinnerbone!"])
      const elapsed = Date.now() - started
      assert.isBelow(elapsed, 3000, "both waited about the timeout, side by side")
      assert.strictEqual(api.count("Notch"), 2)
      assert.strictEqual(api.count("Dinnerbone"), 1)
      yield* logged(proxy, "premium lookup for Notch not made: no answer within 500ms")
      assert.strictEqual(warnings(proxy).length, 1, "later failures within the minute are debug lines")
    }), { timeout: 30_000 })

  it.live("premium_lookup is off by default: no request, the password flow", () =>
    Effect.gen(function*() {
      const api = yield* fakeProfiles({ [NOTCH.name]: NOTCH.id })
      const hub = yield* mcServer(VERSION)
      const proxy = yield* authProxy(hub.address, yield* tempPlugins, { auth: `[plugins.auth.config.premium]\nprofile_api = "${api.url}"` })
      const notch = yield* recordedPlayer(VERSION, proxy.port, HOST, NOTCH.name)
      yield* awaitText(notch, "set_title_text", ["§6Welcome, Notch!"])
      assert.strictEqual(api.asked.length, 0)
    }), { timeout: 30_000 })
})
