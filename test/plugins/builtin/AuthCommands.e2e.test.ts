/**
 * The auth plugin's commands end to end, with minecraft-protocol players (online ones through a
 * fake session server) on a minecraft-protocol hub behind the auth limbo, and a fake profile API:
 *
 * - `/changepassword` and `/unregister` (the old password is required; the next visit proves
 *   the change);
 * - `/premium` (refused for a name Mojang does not know; then Mojang's login replaces the
 *   password, and a cracked client is refused) and `/cracked` (back to the password; without an
 *   account, the name is never looked up again and its owner registers);
 * - the admin commands `/forcelogin`, `/forcechangepassword` and `/forceunregister`, refused to
 *   a player who is not an admin.
 *
 * No password typed appears in any log line. On a proxy where no server lists `auth`, the
 * commands are the backends' until a reload adds it.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { loginExpectingKick, reasonText } from "../../support/McClients.ts"
import { mcServer } from "../../support/McPeers.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"
import { type Recorded, awaitText, recordedPlayer } from "./support.ts"
import { authProxy, atHub, fakeProfiles, fakeSessions, HOST, logged, noLogMentions, NOTCH, premiumLookup, tempPlugins, VERSION } from "./AuthSupport.ts"

const JEB = { name: "jeb_", id: "853c80ef-3c37-49fd-aa49-938b674adae6" }

/** Types `line` and waits for a chat line containing `answer`. */
const run = (player: Recorded, line: string, answer: string) =>
  Effect.andThen(Effect.sync(() => player.player.client.chat(line)), awaitText(player, "system_chat", [answer]))

const leave = (player: Recorded) =>
  Effect.andThen(Effect.sync(() => player.player.leave()), Effect.promise(() => player.player.closed))

describe("auth: commands", () => {
  it.live("/changepassword and /unregister", () =>
    Effect.gen(function*() {
      const hub = yield* mcServer(VERSION)
      const proxy = yield* authProxy(hub.address, yield* tempPlugins)
      const bob = yield* recordedPlayer(VERSION, proxy.port, HOST, "Bob")
      bob.player.client.chat("/register hunter22 hunter22")
      yield* atHub(proxy, "Bob")
      yield* run(bob, "/changepassword wrong-one newpass99", "§cWrong password.")
      yield* run(bob, "/changepassword hunter22 short", "§cPassword must be at least 8 characters.")
      yield* run(bob, "/changepassword hunter22", "§cUsage: /changepassword <old password> <new password>")
      yield* run(bob, "/changepassword hunter22 newpass99", "§aYour password is changed.")
      yield* leave(bob)

      const again = yield* recordedPlayer(VERSION, proxy.port, HOST, "Bob")
      yield* run(again, "/login hunter22", "§cWrong password!")
      yield* run(again, "/login newpass99", "§aLogin successful!")
      yield* atHub(proxy, "Bob", 2)
      yield* run(again, "/unregister hunter22", "§cWrong password.")
      yield* run(again, "/unregister newpass99", "§aYour account is removed")
      yield* leave(again)

      const fresh = yield* recordedPlayer(VERSION, proxy.port, HOST, "Bob")
      yield* awaitText(fresh, "set_title_text", ["§6Welcome, Bob!"])
      assert.deepStrictEqual(hub.chats, [], "nothing reached the backend as chat")
      assert.notInclude(hub.packets(), "chat_command", "no command reached the backend")
      assert.isTrue(proxy.logs.some((l) => l.message.includes("Bob typed a wrong password for /changepassword")))
      assert.isTrue(proxy.logs.some((l) => l.message.includes("Bob changed their password")))
      for (const secret of ["hunter22", "newpass99", "wrong-one"]) noLogMentions(proxy, secret)
    }), { timeout: 30_000 })

  it.live("/premium switches a password account to Mojang's login; /cracked switches back", () =>
    Effect.gen(function*() {
      const sessions = yield* fakeSessions
      const api = yield* fakeProfiles({ [JEB.name]: JEB.id })
      const hub = yield* mcServer(VERSION)
      const plugins = yield* tempPlugins
      const proxy = yield* authProxy(hub.address, plugins, {
        extra: `[auth]\nsession_server = "${sessions.url}"`,
        // No cache: each /premium and login asks, so the API's change shows at once.
        auth: premiumLookup(api.url, "cache_ttl_seconds = 0")
      })
      const online = (id: string) => ({ online: { sessionServer: sessions.url, id } })

      const cracked = yield* recordedPlayer(VERSION, proxy.port, HOST, NOTCH.name)
      cracked.player.client.chat("/register notchpass1 notchpass1")
      yield* atHub(proxy, "Notch")
      yield* run(cracked, "/premium", "§cMojang knows no paid account named Notch")
      api.setPremium(NOTCH.name, NOTCH.id) // Notch buys the game
      yield* run(cracked, "/premium", "§aFrom your next login Mojang authenticates you")
      assert.include(readFileSync(join(plugins, "auth", "accounts.json"), "utf8"), `"premium": true`)
      yield* leave(cracked)

      const refused = yield* Effect.promise(() => loginExpectingKick(VERSION, proxy.port, HOST, NOTCH.name))
      assert.strictEqual(reasonText(refused), "Failed to verify username!")
      const premium = yield* recordedPlayer(VERSION, proxy.port, HOST, NOTCH.name, online(NOTCH.id))
      yield* atHub(proxy, "Notch", 2)
      yield* logged(proxy, "Notch is authenticated by Mojang; no password asked")
      yield* run(premium, "/premium", "§7You are authenticated by Mojang already.")
      yield* run(premium, "/cracked", "§aFrom your next login you log in with your password.")
      yield* leave(premium)

      const back = yield* recordedPlayer(VERSION, proxy.port, HOST, NOTCH.name)
      yield* run(back, "/login notchpass1", "§aLogin successful!")
      yield* atHub(proxy, "Notch", 3)
      assert.notInclude(readFileSync(join(plugins, "auth", "accounts.json"), "utf8"), `"premium"`)

      // A premium player without an account gives the name to the password flow.
      const jeb = yield* recordedPlayer(VERSION, proxy.port, HOST, JEB.name, online(JEB.id))
      yield* atHub(proxy, "jeb_")
      yield* run(jeb, "/cracked", "§aFrom your next login you register a password")
      yield* leave(jeb)
      const asked = api.count(JEB.name)
      const crackedJeb = yield* recordedPlayer(VERSION, proxy.port, HOST, JEB.name)
      yield* awaitText(crackedJeb, "set_title_text", ["§6Welcome, jeb_!"])
      assert.strictEqual(api.count(JEB.name), asked, "a name marked cracked is not looked up")
      noLogMentions(proxy, "notchpass1")
    }), { timeout: 30_000 })

  it.live("admins: /forcelogin, /forcechangepassword, /forceunregister; others may not", () =>
    Effect.gen(function*() {
      const sessions = yield* fakeSessions
      const hub = yield* mcServer(VERSION)
      const proxy = yield* authProxy(hub.address, yield* tempPlugins, {
        extra: `[auth]\nsession_server = "${sessions.url}"\n[permissions]\nadmins = ["Notch"]`,
        auth: `premium_names = ["Notch"]`
      })
      const bob = yield* recordedPlayer(VERSION, proxy.port, HOST, "Bob")
      bob.player.client.chat("/register bobpass11 bobpass11")
      yield* atHub(proxy, "Bob")
      yield* run(bob, "/forceunregister Notch", "You don't have permission to use /forceunregister.")
      yield* leave(bob)

      const admin = yield* recordedPlayer(VERSION, proxy.port, HOST, NOTCH.name, { online: { sessionServer: sessions.url, id: NOTCH.id } })
      yield* atHub(proxy, "Notch")
      yield* run(admin, "/forcelogin Bob", "§cBob is not waiting to log in.")
      yield* run(admin, "/cracked", "§cYour name is on this server's premium list: ask an admin.")
      const waiting = yield* recordedPlayer(VERSION, proxy.port, HOST, "Bob")
      yield* awaitText(waiting, "set_title_text", ["§6Authentication Required"])
      yield* run(admin, "/forcelogin bob", "§abob is logged in.")
      yield* awaitText(waiting, "system_chat", ["§aAn admin logged you in."])
      yield* atHub(proxy, "Bob", 2)

      yield* run(admin, "/forcechangepassword Bob short", "§cPassword must be at least 8 characters.")
      yield* run(admin, "/forcechangepassword Bob bobnew222", "§aThe password of Bob is changed.")
      yield* run(admin, "/forceunregister Nobody", "§cNobody has no account.")
      yield* leave(waiting)
      const withNew = yield* recordedPlayer(VERSION, proxy.port, HOST, "Bob")
      yield* run(withNew, "/login bobpass11", "§cWrong password!")
      yield* run(withNew, "/login bobnew222", "§aLogin successful!")
      yield* atHub(proxy, "Bob", 3)

      yield* run(admin, "/forceunregister Bob", "§aThe account of Bob is removed.")
      yield* leave(withNew)
      const fresh = yield* recordedPlayer(VERSION, proxy.port, HOST, "Bob")
      yield* awaitText(fresh, "set_title_text", ["§6Welcome, Bob!"])
      yield* logged(proxy, "Notch logged bob in (/forcelogin)")
      for (const secret of ["bobpass11", "bobnew222"]) noLogMentions(proxy, secret)
    }), { timeout: 30_000 })

  it.live("without a server that lists auth, /changepassword is the backend's; a reload adding auth brings the commands", () =>
    Effect.gen(function*() {
      const hub = yield* mcServer(VERSION)
      const proxy = yield* startProxy({
        global: `plugins_dir = ${JSON.stringify(yield* tempPlugins)}`,
        servers: { "hub.toml": serverToml([HOST], [hub.address], `proxy_mode = "offline"`) }
      })
      const carol = yield* recordedPlayer(VERSION, proxy.port, HOST, "Carol")
      carol.player.client.chat("/changepassword old-one new-one")
      yield* waitUntil(() => hub.packets().includes("chat_command"), "the command at the hub", 10_000)
      assert.isFalse(proxy.logs.some((l) => l.message.includes("the auth commands are registered")))

      proxy.writeServer("hub.toml", serverToml([HOST], [hub.address], `proxy_mode = "offline"\nlimbo_handlers = ["auth"]`))
      yield* logged(proxy, "the auth commands are registered")
      yield* run(carol, "/changepassword old-one new-one", "§cYou have no account.")
      assert.strictEqual(hub.packets().filter((p) => p === "chat_command").length, 1, "the second one stayed at the proxy")
    }), { timeout: 30_000 })
})
