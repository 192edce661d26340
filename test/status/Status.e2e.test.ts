/**
 * The status plane with real peers through the real proxy: minecraft-protocol pings of several
 * versions served from one cached entry with each client's own protocol; a modded backend's
 * extra JSON fields passed through; every legacy ping variant of minecraft-server-util
 * answered; a flood of 10,000 pings reaching the backend at most once per ttl.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import minecraftData from "minecraft-data"
import { statusFE, statusFE01, statusFE01FA, statusLegacy } from "minecraft-server-util"
import { docBlock } from "../support/DocBlocks.ts"
import { ping } from "../support/McClients.ts"
import { mcServer } from "../support/McPeers.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { flood, legacyPing, lowPortForwarder, rawPing, statusBackend } from "./support/StatusPeers.ts"

const protocolOf = (version: string): number => minecraftData(version).version.version ?? -1

/** A minecraft-protocol server that answers pings like a multi-version proxy: its range as name, the client's number. */
const startMultiVersionBackend = (name: string) => {
  // Status responses it built (not status handshakes, which McServer.pings counts).
  let pings = 0
  return mcServer("1.20.4", {
    motd: "multi-version backend",
    beforePing: (response, client) => {
      pings++
      response.version = { name, protocol: client.protocolVersion }
      return response
    }
  }).pipe(Effect.map((s) => ({ port: s.port, pings: () => pings })))
}

const VERSIONS = ["1.8.8", "1.12.2", "1.16.5", "1.20.4", "1.21.4"]

describe("status plane with real peers", () => {
  it.live("minecraft-protocol pings of several versions get their own protocol from an entry another version populated", () =>
    Effect.gen(function*() {
      const multi = yield* startMultiVersionBackend("Velocity 3.3.0 (1.7.2-1.21.4)")
      const vanilla = yield* statusBackend(() => ({ version: { name: "1.20.4", protocol: 765 }, players: { max: 20, online: 0 }, description: "vanilla" }))
      const proxy = yield* startProxy({
        global: `[status_cache]\nttl = "60s"\n`,
        servers: {
          "multi.toml": serverToml(["multi.example.com"], [`127.0.0.1:${multi.port}`]),
          "vanilla.toml": serverToml(["vanilla.example.com"], [`127.0.0.1:${vanilla.port}`])
        }
      })
      const first = yield* Effect.promise(() => ping("1.20.4", proxy.port, "multi.example.com"))
      assert.strictEqual((first["version"] as { protocol: number }).protocol, 765)
      for (const version of VERSIONS) {
        const reply = yield* Effect.promise(() => ping(version, proxy.port, "multi.example.com"))
        assert.deepStrictEqual(reply["version"], { name: "Velocity 3.3.0 (1.7.2-1.21.4)", protocol: protocolOf(version) }, version)
      }
      assert.strictEqual(multi.pings(), 1, "one backend ping for every version")
      // A single-version backend stays truthful: 1.8.8 sees 765 ("incompatible"), from its own
      // fetch; a 1.20.4 client is covered by that response's name and needs no fetch of its own.
      const old = yield* Effect.promise(() => ping("1.8.8", proxy.port, "vanilla.example.com"))
      assert.deepStrictEqual(old["version"], { name: "1.20.4", protocol: 765 })
      const current = yield* Effect.promise(() => ping("1.20.4", proxy.port, "vanilla.example.com"))
      assert.deepStrictEqual(current["version"], { name: "1.20.4", protocol: 765 })
      assert.strictEqual(vanilla.served(), 1)
      assert.strictEqual(vanilla.handshakes[0]?.protocolVersion, 47)
    }), { timeout: 30_000 })

  it.live("a backend's extra JSON fields (Forge, mods) reach the client", () =>
    Effect.gen(function*() {
      const modded = {
        version: { name: "1.20.1", protocol: 763 },
        players: { max: 100, online: 3, sample: [{ name: "steve", id: "00000000-0000-0000-0000-000000000002" }] },
        description: { text: "§bModded", extra: [{ text: "!", color: "gold" }] },
        forgeData: { channels: [{ res: "fml:handshake", version: "1.2.3.4", required: true }], mods: [{ modId: "jei", modmarker: "15.2" }], fmlNetworkVersion: 3, truncated: false },
        modinfo: { type: "FML", modList: [{ modid: "jei", version: "15.2" }] },
        enforcesSecureChat: false,
        preventsChatReports: true,
        customModField: { anything: [1, "two", { three: null }] }
      }
      const backend = yield* statusBackend(() => modded)
      const proxy = yield* startProxy({ servers: { "mod.toml": serverToml(["mod.example.com"], [`127.0.0.1:${backend.port}`]) } })
      const { latency: _latency, ...reply } = yield* Effect.promise(() => ping("1.20.1", proxy.port, "mod.example.com"))
      assert.deepStrictEqual(reply, modded as unknown as Record<string, unknown>)
      const raw = JSON.parse(yield* Effect.promise(() => rawPing(proxy.port, "mod.example.com", 763))) as Record<string, unknown>
      assert.deepStrictEqual(raw, modded as unknown as Record<string, unknown>)
      // A legacy 1.6 ping for the same host is answered from the same backend's response.
      const legacy = yield* Effect.promise(() => legacyPing(proxy.port, { _tag: "V1_6", protocolVersion: 78, host: "mod.example.com", port: 25565 }))
      assert.strictEqual(legacy, "§1\u0000127\u00001.20.1\u0000§bModded§6!\u00003\u0000100")
    }), { timeout: 30_000 })

  it.live("minecraft-server-util's legacy pings (all four variants) are answered, then the socket closes", () =>
    Effect.gen(function*() {
      const backend = yield* statusBackend(() => ({ version: { name: "1.20.4", protocol: 765 }, players: { max: 50, online: 7 }, description: "§aBackend MOTD" }))
      const proxy = yield* startProxy({
        global: `[default_motd.online]\ntext = "§6Legacy welcome"\nmax_players = 99\n`,
        // The library pings "127.0.0.1" as the host: route it so the 1.6 ping reaches a server.
        servers: { "local.toml": serverToml(["127.0.0.1"], [`127.0.0.1:${backend.port}`]) }
      })
      const options = { enableSRV: false, timeout: 5000 }
      const legacy = yield* Effect.promise(() => statusLegacy("127.0.0.1", proxy.port, options))
      assert.strictEqual(legacy.motd.clean, "Legacy welcome") // FE 01 carries no host: the default MOTD
      assert.deepStrictEqual(legacy.players, { online: 0, max: 99 })
      assert.strictEqual(legacy.version?.protocol, 127)
      const fe = yield* Effect.promise(() => statusFE("127.0.0.1", proxy.port, options))
      assert.strictEqual(fe.motd, "Legacy welcome") // Beta: no § codes in this format
      assert.deepStrictEqual(fe.players, { online: 0, max: 99 })
      const fe01 = yield* Effect.promise(() => statusFE01("127.0.0.1", proxy.port, options))
      assert.strictEqual(fe01.motd.raw, "§6Legacy welcome")
      assert.strictEqual(fe01.protocolVersion, 127)
      // FE 01 FA with UTF-8 strings (non-standard): answered in the 1.4 format after the settle
      // wait. The library writes the port as a signed 16-bit number, hence the low-port forwarder.
      const forwarder = yield* Effect.acquireRelease(Effect.promise(() => lowPortForwarder(proxy.port)), (f) => Effect.promise(() => f.close()))
      const fa = yield* Effect.promise(() => statusFE01FA("127.0.0.1", forwarder.port, options))
      assert.strictEqual(fa.motd.clean, "Legacy welcome")
      assert.strictEqual(fa.protocolVersion, 127)
      // A standard 1.6 ping names its host: the routed server's status, from the cache.
      for (let i = 0; i < 5; i++) {
        const text = yield* Effect.promise(() => legacyPing(proxy.port, { _tag: "V1_6", protocolVersion: 74, host: "127.0.0.1", port: proxy.port }))
        assert.strictEqual(text, "§1\u0000127\u00001.20.4\u0000§aBackend MOTD\u00007\u000050")
      }
      assert.strictEqual(backend.served(), 1)
    }), { timeout: 30_000 })

  it.live("a backend that goes down: its last good response within grace, then the unreachable MOTD", () =>
    Effect.gen(function*() {
      const backend = yield* statusBackend(() => ({ version: { name: "1.20.4", protocol: 765 }, description: "last good" }))
      const proxy = yield* startProxy({
        global: `[status_cache]\nttl = "1s"\ngrace = "2s"\n`,
        servers: { "s.toml": serverToml(["s.example.com"], [`127.0.0.1:${backend.port}`], `[motd.unreachable]\ntext = "§cgone"`) }
      })
      assert.include(yield* Effect.promise(() => rawPing(proxy.port, "s.example.com", 765)), "last good")
      yield* Effect.promise(() => backend.close())
      yield* Effect.sleep("1500 millis")
      assert.include(yield* Effect.promise(() => rawPing(proxy.port, "s.example.com", 765)), "last good") // stale, within grace
      yield* Effect.sleep("2 seconds")
      assert.include(yield* Effect.promise(() => rawPing(proxy.port, "s.example.com", 765)), "§cgone") // past ttl + grace
      assert.strictEqual(backend.served(), 1)
    }), { timeout: 30_000 })

  it.live("rate-limited pings are answered from the cache and never reach the backend", () =>
    Effect.gen(function*() {
      const backend = yield* statusBackend(() => ({ version: { name: "1.20.4", protocol: 765 }, description: "cheap answer" }))
      const proxy = yield* startProxy({
        global: `[rate_limit]\nstatus_max = 3\nstatus_window = "60s"\n`,
        servers: {
          "r.toml": serverToml(["r.example.com"], [`127.0.0.1:${backend.port}`]),
          "cold.toml": serverToml(["cold.example.com"], [`127.0.0.1:${backend.port}`])
        }
      })
      for (let i = 0; i < 30; i++) assert.include(yield* Effect.promise(() => rawPing(proxy.port, "r.example.com", 765)), "cheap answer")
      // A server with nothing cached: the refused ping is closed, the backend is not asked.
      const cold = yield* Effect.promise(() => rawPing(proxy.port, "cold.example.com", 765).then(() => "answered", () => "closed"))
      assert.strictEqual(cold, "closed")
      // An unknown domain: the proxy's own MOTD costs nothing, so it is answered.
      assert.include(yield* Effect.promise(() => rawPing(proxy.port, "nowhere.example.com", 765)), "Unknown server")
      assert.strictEqual(backend.served(), 1)
    }), { timeout: 30_000 })

  it.live("the documented example: override on a live backend, the unreachable MOTD on a dead one, the default MOTD for unknown domains", () =>
    Effect.gen(function*() {
      const block = docBlock("status-and-motd.md", "status-example")
      const [global, server] = block.split("# servers/lobby.toml") as [string, string]
      const backend = yield* statusBackend(() => ({ version: { name: "1.20.4", protocol: 765 }, players: { max: 20, online: 4 }, description: "backend" }))
      const live = yield* startProxy({ global, servers: { "lobby.toml": server.replace("10.0.1.20:25565", `127.0.0.1:${backend.port}`) } })
      const reply = JSON.parse(yield* Effect.promise(() => rawPing(live.port, "lobby.example.com", 765))) as Record<string, any>
      assert.deepStrictEqual(reply["description"], { text: "Lobby", color: "gold", extra: [{ text: " - pick a game", color: "gray" }] })
      assert.deepStrictEqual(reply["players"], { max: 500, online: 4 })
      assert.include(yield* Effect.promise(() => rawPing(live.port, "elsewhere.example.com", 765)), "Pick a server by its address")
      const dead = yield* startProxy({ global, servers: { "lobby.toml": server.replace("10.0.1.20:25565", "127.0.0.1:1") } })
      assert.include(yield* Effect.promise(() => rawPing(dead.port, "lobby.example.com", 765)), "The lobby is restarting")
    }), { timeout: 30_000 })

  it.live("a flood of 10,000 pings to one cached server reaches the backend at most once per ttl", () =>
    Effect.gen(function*() {
      const backend = yield* statusBackend(() => ({ version: { name: "1.21.4", protocol: 769 }, players: { max: 20, online: 1 }, description: "flooded" }))
      const proxy = yield* startProxy({
        global: `[status_cache]\nttl = "2s"\n[rate_limit]\nstatus_max = 1000000\n`,
        servers: { "flood.toml": serverToml(["flood.example.com"], [`127.0.0.1:${backend.port}`]) }
      })
      const result = yield* Effect.promise(() => flood(proxy.port, "flood.example.com", 769, 10_000, 64))
      const fetches = backend.served()
      const allowed = Math.ceil(result.seconds / 2) + 1
      console.log(
        `status flood: ${result.sent} pings, ${result.answered} answered, ${result.failed} failed in ${result.seconds.toFixed(2)} s ` +
          `(${Math.round(result.answered / result.seconds)} pings/s); backend fetches ${fetches} (allowed ${allowed})`
      )
      assert.strictEqual(result.answered, 10_000)
      assert.include(result.sample!, "flooded")
      assert.isAtLeast(fetches, 1)
      assert.isAtMost(fetches, allowed)
    }), { timeout: 120_000 })
})
