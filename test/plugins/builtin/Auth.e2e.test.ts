/**
 * The built-in auth limbo handler with real minecraft-protocol players and backend, in offline
 * mode (1.21.4): a player registers, plays, and after a proxy restart (same plugins_dir) logs in
 * with the same password; wrong passwords count down and the last one disconnects; a player who
 * does not log in in time is disconnected; what players type in the auth limbo (passwords,
 * `/ir server`) reaches neither the backend, a ChatMessage listener nor the log, and does not get
 * them past the handler; a name in premium_names is authenticated with Mojang (ForceOnline) and
 * asked for no password.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { startFakeSessionServer } from "../../support/FakeSessionServer.ts"
import { reasonText } from "../../support/McClients.ts"
import { mcServer } from "../../support/McPeers.ts"
import { waitUntil } from "../../support/Poll.ts"
import { serverToml, startProxy } from "../../support/ProxyHarness.ts"
import { awaitText, recordedPlayer } from "./support.ts"

const VERSION = "1.21.4"
const INTERCEPTOR = fileURLToPath(new URL("../../support/plugins/interceptor.ts", import.meta.url))
const HOST = "hub.test"

/** A proxy over one offline-mode hub guarded by the auth handler, its plugins in `pluginsDir`. */
const authProxy = (hubAddress: string, pluginsDir: string, security = "max_login_attempts = 3", extra = "") =>
  startProxy({
    global: [
      `plugins_dir = ${JSON.stringify(pluginsDir)}`,
      extra,
      `[rate_limit]\nmax_connections = 100`,
      `[plugins.auth.config.security]\n${security}`,
      // Cheaper hashes keep the test quick; the format and the algorithm are the same.
      `[plugins.auth.config.hashing]\nargon2_memory_cost = 1024\nargon2_time_cost = 1`
    ].join("\n"),
    servers: { "hub.toml": serverToml([HOST], [hubAddress], `proxy_mode = "offline"\nlimbo_handlers = ["auth"]`) }
  })

const tempPlugins = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "infrarust-ts-auth-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const atHub = (proxy: { logs: ReadonlyArray<{ message: string }> }, name: string) =>
  waitUntil(() => proxy.logs.some((l) => l.message.includes(`switched ${name} from the limbo to 'hub'`)), `${name} at the hub`, 10_000)

const noLogMentions = (proxy: { logs: ReadonlyArray<{ message: string }> }, secret: string) =>
  assert.isFalse(proxy.logs.some((l) => JSON.stringify(l).includes(secret)), `no log line mentions ${secret}`)

describe("auth", () => {
  it.live("register, play, and after a restart log in with the same password; nothing typed leaks", () =>
    Effect.gen(function*() {
      const hub = yield* mcServer(VERSION)
      const plugins = yield* tempPlugins
      yield* Effect.scoped(Effect.gen(function*() {
        // A plugin that records every ChatMessage it is shown.
        const proxy = yield* authProxy(hub.address, plugins, undefined, `[plugins.interceptor]\npath = ${JSON.stringify(INTERCEPTOR)}\n[plugins.interceptor.config]\nforbidden = "nothing"`)
        const alice = yield* recordedPlayer(VERSION, proxy.port, HOST, "Alice")
        yield* awaitText(alice, "set_title_text", ["§6Welcome, Alice!"])
        yield* awaitText(alice, "system_chat", ["§7/register <password> <confirm>"])
        alice.player.client.chat("hello there")
        yield* awaitText(alice, "system_chat", ["Available commands"])
        // No proxy command answers in the limbo (`/ir version` would say "infrarust-ts <version>").
        alice.player.client.chat("/ir version")
        alice.player.client.chat("/ir server hub")
        alice.player.client.chat("/register short short")
        yield* awaitText(alice, "system_chat", ["§cPassword must be at least 8 characters."])
        assert.isFalse(alice.texts.some((t) => t.includes("infrarust-ts")), "no /ir reply")
        alice.player.client.chat("/register correct-horse other-horse")
        yield* awaitText(alice, "system_chat", ["§cPasswords do not match."])
        assert.strictEqual(hub.logins(), 0, "nothing got Alice past the handler")
        alice.player.client.chat("/register correct-horse correct-horse")
        yield* awaitText(alice, "system_chat", ["§aAccount created successfully!"])
        yield* atHub(proxy, "Alice")
        assert.isTrue(yield* Effect.promise(() => alice.player.chatEchoed("made-it")))
        assert.deepStrictEqual(hub.chats, ["made-it"], "nothing typed in the limbo reached the backend")
        const seen = readFileSync(join(plugins, "interceptor", "events.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { tag: string; message?: string })
        assert.deepStrictEqual(seen.filter((e) => e.tag === "ChatMessage").map((e) => e.message), ["made-it"], "ChatMessage listeners saw nothing typed in the limbo")
        for (const secret of ["correct-horse", "other-horse", "short", "hello there"]) noLogMentions(proxy, secret)
        assert.isTrue(proxy.logs.some((l) => l.message.includes("Alice registered")))
      }))
      const stored = readFileSync(join(plugins, "auth", "accounts.json"), "utf8")
      assert.match(stored, /"hash": "\$argon2id\$v=19\$m=1024,t=1,p=1\$/)
      assert.notInclude(stored, "correct-horse")

      // A new proxy over the same plugins_dir knows Alice.
      const proxy = yield* authProxy(hub.address, plugins)
      assert.isTrue(proxy.logs.some((l) => l.message.includes("1 account(s) loaded")))
      const again = yield* recordedPlayer(VERSION, proxy.port, HOST, "alice")
      yield* awaitText(again, "set_title_text", ["§6Authentication Required"])
      again.player.client.chat("/login wrong-horse")
      yield* awaitText(again, "system_chat", ["§cWrong password! §7(2/3 attempts left)"])
      again.player.client.chat("/login correct-horse")
      yield* awaitText(again, "system_chat", ["§aLogin successful!"])
      yield* atHub(proxy, "alice")
      noLogMentions(proxy, "correct-horse")
      noLogMentions(proxy, "wrong-horse")
    }), { timeout: 60_000 })

  it.live("the last wrong password disconnects; a second register is refused", () =>
    Effect.gen(function*() {
      const hub = yield* mcServer(VERSION)
      const proxy = yield* authProxy(hub.address, yield* tempPlugins, "max_login_attempts = 2")
      const bob = yield* recordedPlayer(VERSION, proxy.port, HOST, "Bob")
      bob.player.client.chat("/register hunter22 hunter22")
      yield* atHub(proxy, "Bob")
      bob.player.leave()
      yield* Effect.promise(() => bob.player.closed)

      const guesser = yield* recordedPlayer(VERSION, proxy.port, HOST, "Bob")
      yield* awaitText(guesser, "set_title_text", ["Authentication Required"])
      guesser.player.client.chat("/register mine-now mine-now")
      yield* awaitText(guesser, "system_chat", ["§cAn account already exists for this username."])
      guesser.player.client.chat("/login guess-one")
      yield* awaitText(guesser, "system_chat", ["(1/2 attempts left)"])
      guesser.player.client.chat("/login guess-two")
      const reason = yield* Effect.promise(() => guesser.player.kicked)
      assert.include(reasonText(reason), "§cToo many failed login attempts.")
      assert.strictEqual(hub.logins(), 1, "only Bob's own login reached the hub")
    }), { timeout: 60_000 })

  it.live("a player who does not log in within login_timeout_seconds is disconnected", () =>
    Effect.gen(function*() {
      const hub = yield* mcServer(VERSION)
      const proxy = yield* authProxy(hub.address, yield* tempPlugins, "login_timeout_seconds = 1")
      const idle = yield* recordedPlayer(VERSION, proxy.port, HOST, "Idle")
      const reason = yield* Effect.promise(() => idle.player.kicked)
      assert.include(reasonText(reason), "§cAuthentication timed out.")
      assert.isTrue(proxy.logs.some((l) => l.message.includes("Idle did not log in within 1s; disconnected")))
      assert.strictEqual(hub.logins(), 0)
    }), { timeout: 30_000 })

  it.live("premium_names: the player is authenticated with Mojang (ForceOnline) and asked for no password", () =>
    Effect.gen(function*() {
      const fake = yield* Effect.acquireRelease(Effect.promise(() => startFakeSessionServer()), (f) => Effect.promise(() => f.close()))
      const hub = yield* mcServer(VERSION)
      const notch = { name: "Notch", id: "069a79f4-44e9-4726-a5be-fca90e38aaf5" }
      const proxy = yield* authProxy(hub.address, yield* tempPlugins, "max_login_attempts = 3", `[auth]\nsession_server = "${fake.url}"\n[plugins.auth.config]\npremium_names = ["notch"]`)
      const player = yield* recordedPlayer(VERSION, proxy.port, HOST, notch.name, { online: { sessionServer: fake.url, id: notch.id } })
      yield* atHub(proxy, "Notch")
      assert.isTrue(proxy.logs.some((l) => l.message.includes("Notch is authenticated by Mojang; no password asked")))
      assert.isTrue(fake.requests.some((r) => r.path.endsWith("/hasJoined") && r.query["username"] === notch.name))
      assert.isFalse(player.texts.some((t) => t.includes("Authentication Required") || t.includes("/register")))
    }), { timeout: 30_000 })
})
