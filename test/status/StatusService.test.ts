/**
 * StatusService with its real collaborators (config store, servers directory, router, cache)
 * and a loopback status backend: pings are never activity, server-manager states and health
 * answer without backend contact, `respondWithoutBackend` never fetches, a config edit is seen
 * at once, favicons are data URIs, and the cache counters move.
 */
import { assert, describe, it } from "@effect/vitest"
import { NodeFileSystem } from "@effect/platform-node"
import { Effect, Layer, Metric, Option, SubscriptionRef } from "effect"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Balancer } from "../../src/backend/Balancer.ts"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { ServersDirectory } from "../../src/config/ServersDirectory.ts"
import { statusCacheLookups, statusFetchDuration } from "../../src/observability/Metrics.ts"
import { NextState } from "../../src/protocol/Handshake.ts"
import { decodeLegacyKick } from "../../src/protocol/LegacyKick.ts"
import { Router } from "../../src/routing/Router.ts"
import { Sessions } from "../../src/session/Sessions.ts"
import { type ServerState, ServerStates } from "../../src/status/ServerStates.ts"
import { StatusCache } from "../../src/status/StatusCache.ts"
import { StatusService } from "../../src/status/StatusService.ts"
import { handshakeContext, legacyContext } from "../support/Contexts.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { type ProxyDir, writeProxyDir } from "../support/ProxyDir.ts"
import { makePng } from "./support/Png.ts"
import { statusBackend } from "./support/StatusPeers.ts"

/** Sessions whose every call is recorded: status traffic may only read counts. */
const READ_ONLY = new Set(["total", "countForServer", "countForBackend", "list"])
const spySessions = (calls: Array<string>) =>
  Layer.effect(
    Sessions,
    Effect.gen(function*() {
      const real = yield* Sessions
      return new Proxy(real, {
        get: (target, name, receiver) => {
          const value = Reflect.get(target, name, receiver) as unknown
          if (typeof value !== "function" || typeof name !== "string") return value
          return (...args: Array<unknown>) => (calls.push(name), (value as (...a: Array<unknown>) => unknown).apply(target, args))
        }
      })
    })
  ).pipe(Layer.provide(Sessions.layer))

interface Fixture extends ProxyDir {
  readonly dir: string
}

const fixture = (global: string, servers: Record<string, string>) =>
  Effect.acquireRelease(
    Effect.sync((): Fixture => {
      const dir = mkdtempSync(join(tmpdir(), "status-service-"))
      return { dir, ...writeProxyDir(dir, { global, servers }) }
    }),
    (f) => Effect.sync(() => rmSync(f.dir, { recursive: true, force: true }))
  )

const stack = (f: Fixture, options: { calls: Array<string>; states?: Record<string, ServerState>; balancer?: Layer.Layer<Balancer> }) => {
  const config = ProxyConfigStore.layer(f.configPath)
  const routing = Router.layer.pipe(Layer.provideMerge(ServersDirectory.layer), Layer.provideMerge(config))
  return StatusService.layer.pipe(
    Layer.provideMerge(StatusCache.layer),
    Layer.provideMerge(Layer.mergeAll(spySessions(options.calls), options.balancer ?? Balancer.sequential)),
    Layer.provideMerge(routing),
    Layer.provide(Layer.succeed(ServerStates, { stateOf: (id: string) => options.states?.[id] })),
    Layer.provideMerge(NodeFileSystem.layer)
  )
}

const request = (host: string, protocol = 765) =>
  Effect.gen(function*() {
    const router = yield* Router
    const config = yield* SubscriptionRef.get((yield* ProxyConfigStore).config)
    return handshakeContext({ host, route: (yield* router.resolve(host)).route, nextState: NextState.Status, protocol, config })
  })

const routeOf = (host: string) => Effect.map(request(host), (ctx) => ctx.route)
const configNow = Effect.flatMap(ProxyConfigStore, (store) => SubscriptionRef.get(store.config))

const respond = (host: string, protocol = 765) =>
  Effect.gen(function*() {
    const status = yield* StatusService
    return yield* status.respond(yield* request(host, protocol))
  })

const descriptionOf = (json: string): string => JSON.stringify((JSON.parse(json) as { description: unknown }).description)

const backendLayer = (motd: string) =>
  statusBackend(() => ({ version: { name: "1.20.4", protocol: 765 }, players: { max: 20, online: 2 }, description: motd }))

describe("StatusService", () => {
  it.live("status traffic never registers a session or reports activity, and never wakes a sleeping server", () =>
    Effect.gen(function*() {
      const backend = yield* backendLayer("awake")
      const f = yield* fixture(`[default_motd.sleeping]\ntext = "zzz"\n`, {
        "awake.toml": `domains = ["awake.test"]\naddresses = ["127.0.0.1:${backend.port}"]\n`,
        "sleepy.toml": `domains = ["sleepy.test"]\naddresses = ["127.0.0.1:${backend.port}"]\n`,
        "dead.toml": `domains = ["dead.test"]\naddresses = ["127.0.0.1:1"]\n`
      })
      const calls: Array<string> = []
      yield* Effect.gen(function*() {
        const status = yield* StatusService
        for (let i = 0; i < 20; i++) {
          assert.include(yield* respond("awake.test"), "awake")
          assert.include(yield* respond("sleepy.test"), "zzz")
          assert.include(yield* respond("nowhere.test"), "Unknown server")
          yield* respond("dead.test")
          yield* status.respondWithoutBackend(yield* request("awake.test"))
          yield* status.respondLegacy(legacyContext({ _tag: "V1_6", protocolVersion: 74, host: "sleepy.test", port: 1 }, yield* routeOf("sleepy.test"), yield* configNow))
        }
        assert.strictEqual(backend.served(), 1, "one fetch for awake, none for sleepy")
        assert.deepStrictEqual(calls.filter((c) => !READ_ONLY.has(c)), [])
      }).pipe(Effect.provide(stack(f, { calls, states: { sleepy: "sleeping" } })))
    }), { timeout: 20_000 })

  it.live("state MOTDs: the server's entry, else [default_motd], else the built-in text; no backend contact", () =>
    Effect.gen(function*() {
      const backend = yield* backendLayer("should not be asked")
      const f = yield* fixture(`[default_motd.crashed]\ntext = "global crashed"\n[default_motd.offline]\ntext = "global offline"\n`, {
        "a.toml": `domains = ["a.test"]\naddresses = ["127.0.0.1:${backend.port}"]\nmax_players = 77\n[motd.starting]\ntext = "own starting"\nversion_name = "Waking"\n`
      })
      const expectations: Array<[ServerState, string]> = [
        ["starting", "own starting"],
        ["crashed", "global crashed"],
        ["offline", "global offline"],
        ["stopping", "Server is stopping"],
        ["sleeping", "Server sleeping"]
      ]
      for (const [state, text] of expectations) {
        const json = yield* respond("a.test", 47).pipe(Effect.provide(stack(f, { calls: [], states: { a: state } })))
        const body = JSON.parse(json) as { version: { name: string; protocol: number }; players: { max: number } }
        assert.include(descriptionOf(json), text, state)
        assert.strictEqual(body.version.protocol, 47)
        assert.strictEqual(body.players.max, 77)
        if (state === "starting") assert.strictEqual(body.version.name, "Waking")
      }
      assert.strictEqual(backend.served(), 0)
    }), { timeout: 20_000 })

  it.live("offline = active health checks report every backend down: the offline MOTD, nothing dialled", () =>
    Effect.gen(function*() {
      const backend = yield* backendLayer("up")
      const f = yield* fixture(`[default_motd.offline]\ntext = "§cWe are offline"\n`, {
        "a.toml": `domains = ["a.test"]\naddresses = ["127.0.0.1:${backend.port}"]\n`
      })
      const down = Layer.effect(
        Balancer,
        Effect.gen(function*() {
          const b = yield* Balancer
          return Balancer.of({
            ...b,
            backends: () =>
              Effect.succeed([{ server: "a", backend: `127.0.0.1:${backend.port}`, weight: 1, mode: "active", healthy: false, inRotation: false, failures: 3, lastFailure: "timeout", since: 0, players: 0, connections: 0 }])
          })
        })
      ).pipe(Layer.provide(Balancer.sequential))
      const json = yield* respond("a.test").pipe(Effect.provide(stack(f, { calls: [], balancer: down })))
      assert.include(descriptionOf(json), "We are offline")
      assert.strictEqual(backend.served(), 0)
    }), { timeout: 20_000 })

  it.live("respondWithoutBackend: the default MOTD, a cached response, a cached failure; None when nothing is at hand", () =>
    Effect.gen(function*() {
      const backend = yield* backendLayer("cached motd")
      const f = yield* fixture("", {
        "a.toml": `domains = ["a.test"]\naddresses = ["127.0.0.1:${backend.port}"]\n`,
        "dead.toml": `domains = ["dead.test"]\naddresses = ["127.0.0.1:1"]\n[motd.unreachable]\ntext = "down!"\n`
      })
      yield* Effect.gen(function*() {
        const status = yield* StatusService
        const cheap = (host: string) => Effect.flatMap(request(host), status.respondWithoutBackend)
        assert.isTrue(Option.isNone(yield* cheap("a.test")))
        assert.isTrue(Option.isNone(yield* cheap("dead.test")))
        assert.strictEqual(backend.served(), 0)
        assert.include(Option.getOrThrow(yield* cheap("unknown.test")), "Unknown server")
        yield* respond("a.test")
        yield* respond("dead.test")
        assert.include(Option.getOrThrow(yield* cheap("a.test")), "cached motd")
        assert.include(Option.getOrThrow(yield* cheap("dead.test")), "down!")
        const legacy = yield* status.respondLegacyWithoutBackend(legacyContext({ _tag: "V1_4" }, undefined, yield* configNow))
        const kick = decodeLegacyKick(Option.getOrThrow(legacy), 0)
        assert.isTrue(kick._tag === "Done" && kick.value.text.includes("Unknown server"))
        assert.strictEqual(backend.served(), 1)
      }).pipe(Effect.provide(stack(f, { calls: [] })))
    }), { timeout: 20_000 })

  it.live("a server's edited MOTD override shows at once (its entries are dropped), and favicons are data URIs", () =>
    Effect.gen(function*() {
      const backend = yield* backendLayer("backend motd")
      const png = makePng(64, 64)
      const logs = captureLogs()
      const f = yield* fixture(`[status_cache]\nttl = "60s"\n[default_motd.online]\ntext = "x"\nfavicon = "./nope/missing.png"\n`, {
        "a.toml": `domains = ["a.test"]\naddresses = ["127.0.0.1:${backend.port}"]\n`
      })
      writeFileSync(join(f.dir, "icon.png"), png)
      yield* Effect.gen(function*() {
        const directory = yield* ServersDirectory
        const first = yield* respond("a.test")
        assert.include(first, "backend motd")
        assert.notInclude(first, "missing.png")
        assert.isTrue(logs.lines.some((l) => l.level === "Warn" && l.message.includes("missing.png") && l.message.includes("[default_motd.online]")))
        f.writeServer("a.toml", `domains = ["a.test"]\naddresses = ["127.0.0.1:${backend.port}"]\n[motd.online]\ntext = "§6Edited"\nfavicon = ${JSON.stringify(join(f.dir, "icon.png"))}\n`)
        yield* directory.reload
        yield* Effect.sleep("50 millis")
        const second = JSON.parse(yield* respond("a.test")) as { description: unknown; favicon: string }
        assert.deepStrictEqual(second.description, { text: "§6Edited" })
        assert.strictEqual(second.favicon, `data:image/png;base64,${png.toString("base64")}`)
        assert.strictEqual(backend.served(), 2, "the edit dropped the cached entry")
      }).pipe(Effect.provide(stack(f, { calls: [] })), Effect.provide(logs.layer))
    }), { timeout: 20_000 })

  it.live("counters: cache hits, misses and fetch latency", () =>
    Effect.gen(function*() {
      const backend = yield* backendLayer("counted")
      const f = yield* fixture("", { "a.toml": `domains = ["a.test"]\naddresses = ["127.0.0.1:${backend.port}"]\n` })
      const hits = Metric.withAttributes(statusCacheLookups, { result: "hit" })
      const misses = Metric.withAttributes(statusCacheLookups, { result: "miss" })
      const latency = Metric.withAttributes(statusFetchDuration, { server: "a" })
      const before = { hits: (yield* Metric.value(hits)).count, misses: (yield* Metric.value(misses)).count, fetches: (yield* Metric.value(latency)).count }
      yield* Effect.gen(function*() {
        for (let i = 0; i < 5; i++) yield* respond("a.test")
      }).pipe(Effect.provide(stack(f, { calls: [] })))
      assert.strictEqual((yield* Metric.value(misses)).count - before.misses, 1)
      assert.strictEqual((yield* Metric.value(hits)).count - before.hits, 4)
      assert.strictEqual((yield* Metric.value(latency)).count - before.fetches, 1)
    }), { timeout: 20_000 })
})
