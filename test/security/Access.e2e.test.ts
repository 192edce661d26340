/**
 * Access control end to end, with the real proxy and real minecraft-protocol clients: what a
 * banned, filtered, rate-limited or surplus player sees, what a banned address gets (nothing),
 * and that `[rate_limit]`, `[ip_filter]` and bans.json edits apply without a restart.
 * Each test client uses its own loopback address (127.0.0.x) where addresses matter.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { joinAndStay, loginOutcome as joinOutcome, notJoinedText, ping, type Player } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { waitUntil } from "../support/Poll.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { disconnectText, exchange, loginBytes, offlineUuid, statusBytes } from "../support/RawClient.ts"

const VERSION = "1.20.4"
const HOST = "mc.example.com"

/** Logs in from `localAddress`: "joined", or the kick text (or "ended: ..." for a bare close). */
const loginOutcome = (version: string, port: number, host: string, username: string, localAddress = "127.0.0.1") =>
  Effect.promise(() => joinOutcome(version, port, host, username, { localAddress, timeoutMs: 8000 }))

const backend = mcServer(VERSION, { motd: "guarded" })

const tempDir = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(tmpdir(), "infrarust-ts-bans-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

const nowSeconds = () => Math.floor(Date.now() / 1000)

describe("access control with real clients", () => {
  it.live("bans: name (any case), UUID and IP at login show the reason and expiry; banned addresses get nothing; hand edits apply", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const dir = yield* tempDir
      const bansPath = join(dir, "bans.json")
      const entry = (type: string, value: string, reason: string | null, expiresAt: number | null) => ({
        target: { type, value },
        reason,
        expires_at: expiresAt,
        created_at: nowSeconds(),
        source: "console"
      })
      writeFileSync(bansPath, JSON.stringify({
        bans: [
          entry("username", "Griefer", "griefing", null),
          entry("uuid", offlineUuid("UuidBanned"), null, nowSeconds() + 3 * 3600 + 150),
          entry("ip", "127.0.0.9", "banned address", null),
          entry("cidr", "127.0.1.0/24", null, null)
        ],
        audit_log: []
      }))
      const proxy = yield* startProxy({
        global: `[ban]\nfile = ${JSON.stringify(bansPath)}\n[rate_limit]\nmax_connections = 0\n`,
        servers: { "mc.toml": serverToml([HOST], [mc.address]) }
      })

      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "gRiEfEr"), "griefing\n\nThis ban is permanent.")
      // Infrarust never checks UUID bans at login; we do.
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "UuidBanned"), "Banned by administrator\n\nExpires in 3h 2m")

      // IP and range bans: closed before the handshake is read, no byte sent back.
      for (const address of ["127.0.0.9", "127.0.1.77"]) {
        const refused = yield* Effect.promise(() => exchange(proxy.port, loginBytes(HOST, "someone"), { localAddress: address }))
        assert.isTrue(refused.closed, address)
        assert.strictEqual(refused.received.length, 0, address)
      }
      // Banned addresses that keep coming back: a few Info lines a minute (LogThrottle), then Debug.
      yield* Effect.promise(() => exchange(proxy.port, loginBytes(HOST, "again"), { localAddress: "127.0.1.78" }))
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "innocent", "127.0.0.10"), "joined")

      // A hand edit of bans.json: the next login of that name is refused, without a restart.
      const file = JSON.parse(readFileSync(bansPath, "utf8")) as { bans: Array<unknown> }
      file.bans.push(entry("username", "innocent", "changed our mind", nowSeconds() + 10 * 60 + 50))
      writeFileSync(bansPath, JSON.stringify(file))
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("was edited")), "the hand edit")
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "innocent", "127.0.0.10"), "changed our mind\n\nExpires in 10 minute(s)")

      const levels = (text: string) => proxy.logs.filter((l) => l.message.includes(text)).map((l) => l.level)
      assert.deepStrictEqual([...new Set(levels("banned player refused"))], ["Info"])
      assert.deepStrictEqual(levels("banned address closed"), ["Info", "Info", "Info"])
      assert.isFalse(proxy.logs.some((l) => l.level === "Error"))
      assert.strictEqual(mc.hosts.length, 1, "only the innocent login reached the backend")
    }), { timeout: 30_000 })

  it.live("[ip_filter]: global (before the handshake) and per server (after routing); whitelist wins; edits apply live", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const proxy = yield* startProxy({
        global: `[rate_limit]\nmax_connections = 0\n[ip_filter]\nblacklist = ["127.0.2.0/24"]\n`,
        servers: {
          "open.toml": serverToml([HOST], [mc.address]),
          "private.toml": serverToml(["private.example.com"], [mc.address], `[ip_filter]\nwhitelist = ["127.0.3.3", "127.0.4.0/24"]\nblacklist = ["127.0.4.4"]`)
        }
      })
      // Global: refused with Infrarust's message before anything is read.
      const global = yield* Effect.promise(() => exchange(proxy.port, loginBytes(HOST, "blocked"), { localAddress: "127.0.2.5" }))
      assert.strictEqual(disconnectText(global.received), "IP 127.0.2.5 is not allowed")
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "fine", "127.0.5.1"), "joined")

      // Per server: only whitelisted clients; the whitelist wins over the blacklist.
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, "private.example.com", "outsider", "127.0.5.1"), "IP 127.0.5.1 is not allowed on this server")
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, "private.example.com", "insider", "127.0.3.3"), "joined")
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, "private.example.com", "listed", "127.0.4.4"), "joined")
      const status = yield* Effect.promise(() => exchange(proxy.port, statusBytes("private.example.com"), { localAddress: "127.0.5.1" }))
      assert.isTrue(status.closed)
      assert.strictEqual(status.received.length, 0, "a filtered status ping is closed silently")

      // Edit infrarust.toml: the global filter changes without a restart.
      yield* Effect.sync(() => proxy.writeGlobal(`[rate_limit]\nmax_connections = 0\n[ip_filter]\nwhitelist = ["127.0.2.5"]\n`))
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("configuration reloaded")), "the reload")
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "nowok", "127.0.2.5"), "joined")
      const now = yield* Effect.promise(() => exchange(proxy.port, loginBytes(HOST, "x"), { localAddress: "127.0.5.1" }))
      assert.strictEqual(disconnectText(now.received), "IP 127.0.5.1 is not allowed")
      assert.deepStrictEqual([...new Set(proxy.logs.filter((l) => l.message.includes("[ip_filter]") && !l.message.includes("configuration reloaded")).map((l) => l.level))], ["Debug"])
    }), { timeout: 30_000 })

  it.live("[rate_limit]: a short kick for logins, cheap answers for pings, separate buckets; 0 disables; edits apply live", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const proxy = yield* startProxy({
        global: `[rate_limit]\nmax_connections = 2\nwindow = "60s"\nstatus_max = 2\nstatus_window = "60s"\n`,
        servers: { "mc.toml": serverToml([HOST], [mc.address]) }
      })
      // Pings first: the status bucket runs dry, the login bucket is untouched.
      yield* Effect.promise(() => ping(VERSION, proxy.port, HOST))
      yield* Effect.promise(() => ping(VERSION, proxy.port, HOST))
      const backendPings = mc.hosts.length
      for (let i = 0; i < 5; i++) {
        const limited = yield* Effect.promise(() => exchange(proxy.port, statusBytes(HOST)))
        assert.isTrue(limited.closed, "a rate-limited ping is closed, or answered from what is at hand")
      }
      assert.strictEqual(mc.hosts.length, backendPings, "rate-limited pings never reach the backend")
      // Unknown domains are answered from the proxy's own MOTD even when rate limited: it costs nothing.
      const unknown = yield* Effect.promise(() => exchange(proxy.port, statusBytes("nope.example.com")))
      assert.isTrue(unknown.received.length > 0)

      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "one"), "joined")
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "two"), "joined")
      const third = yield* loginOutcome(VERSION, proxy.port, HOST, "three")
      assert.match(third, /^Too many connection attempts from your address\. Please wait \d+ seconds and try again\.$/)
      // Other addresses have their own buckets.
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "elsewhere", "127.0.6.1"), "joined")

      // max_connections = 0 disables the login bucket, applied on the next connection.
      yield* Effect.sync(() => proxy.writeGlobal(`[rate_limit]\nmax_connections = 0\nstatus_max = 2\nstatus_window = "60s"\n`))
      yield* waitUntil(() => proxy.logs.some((l) => l.message.includes("configuration reloaded")), "the reload")
      for (const name of ["four", "five", "six"]) assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, name), "joined")

      const limitedLines = proxy.logs.filter((l) => l.message.includes("rate limited"))
      assert.isTrue(limitedLines.length >= 6)
      assert.deepStrictEqual([...new Set(limitedLines.map((l) => l.level))], ["Debug"])
    }), { timeout: 30_000 })

  it.live("max_players: the next login sees 'server is full' until a slot frees up", () =>
    Effect.gen(function*() {
      const mc = yield* backend
      const proxy = yield* startProxy({
        global: `[rate_limit]\nmax_connections = 0\n`,
        servers: { "mc.toml": serverToml([HOST], [mc.address], "max_players = 2") }
      })
      const first = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, HOST, "first"))
      const second = yield* Effect.promise(() => joinAndStay(VERSION, proxy.port, HOST, "second"))
      assert.strictEqual(yield* loginOutcome(VERSION, proxy.port, HOST, "third"), "This server is full (2/2 players). Please try again later.")
      // Several at once for the last slot: exactly one wins (the count is checked atomically).
      first.leave()
      yield* waitUntil(() => proxy.logs.some((l) => l.message.startsWith("session ended") && l.message.includes("player=first")), "first left")
      const inside: Array<Player> = []
      const racers = yield* Effect.all(
        ["r1", "r2", "r3", "r4"].map((name) =>
          Effect.promise(() =>
            joinAndStay(VERSION, proxy.port, HOST, name).then(
              (p) => (inside.push(p), "joined"),
              notJoinedText
            )
          )
        ),
        { concurrency: "unbounded" }
      )
      for (const p of inside) p.leave()
      assert.strictEqual(racers.filter((r) => r === "joined").length, 1, racers.join(" | "))
      assert.isTrue(racers.filter((r) => r !== "joined").every((r) => r.startsWith("This server is full")))
      assert.isTrue(yield* Effect.promise(() => second.chatEchoed("still-here")), "the players inside are unaffected")
      second.leave()
      yield* Effect.sleep("50 millis")
      assert.isTrue(proxy.logs.some((l) => l.level === "Info" && l.message.includes("server 'mc' is full (max_players = 2)")))
    }), { timeout: 30_000 })
})
