/**
 * How 300 logins spread over two and three minecraft-protocol backends through the real proxy,
 * per `load_balancing` strategy, counted by the backends themselves: round robin exact,
 * random within a binomial tolerance, weights respected, least_players filling the emptiest
 * backend first.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import { joinAndStay, type Player } from "../support/McClients.ts"
import { type McServer, mcServer } from "../support/McPeers.ts"
import { serverToml, startProxy } from "../support/ProxyHarness.ts"
import { PROTOCOL, rawLoginStorm } from "../support/RawClient.ts"

const VERSION = "1.20.4"
const HOST = "lb.example.com"
const LOGINS = 300
/** Hundreds of logins from 127.0.0.1 in a second: lift the per-IP login limit. */
const GLOBAL = `[rate_limit]\nmax_connections = 100000\nstatus_max = 100000\n`

/** Backends that count logins and players; no keep-alives, so held players never time out under load. */
const backends = (n: number) =>
  Effect.forEach(Array.from({ length: n }), () => mcServer(VERSION, { keepAlive: false }))

/** `addresses` entries: plain, or `{ address, weight }` when a weight is given. */
const addressList = (list: ReadonlyArray<McServer>, weights: ReadonlyArray<number> = []) =>
  `[${list.map((b, i) => weights[i] === undefined ? `"${b.address}"` : `{ address = "${b.address}", weight = ${weights[i]} }`).join(", ")}]`

const lbToml = (list: ReadonlyArray<McServer>, strategy: string, weights: ReadonlyArray<number> = []) =>
  `domains = ["${HOST}"]\naddresses = ${addressList(list, weights)}\nload_balancing = "${strategy}"\n`

/**
 * `count` logins that leave at once. The storm uses a raw client (handshake + login start, then
 * the backend's first reply) so 300 logins take about a second; held players use the
 * minecraft-protocol client.
 */
const storm = (port: number, count = LOGINS, host = HOST) =>
  Effect.promise(() => rawLoginStorm(PROTOCOL, port, host, count, 6))

const counts = (list: ReadonlyArray<McServer>) => list.map((b) => b.logins())

/** Printed so the numbers can be quoted (docs/load-balancing.md). */
const show = (label: string, values: ReadonlyArray<number>) =>
  Effect.sync(() => console.info(`distribution ${label}: ${values.join(" / ")}`))

/** |observed - expected| within 4 standard deviations of a binomial(n, p). */
const withinBinomial = (observed: number, n: number, p: number) =>
  Math.abs(observed - n * p) <= 4 * Math.sqrt(n * p * (1 - p))

describe("distribution over real backends (300 logins per strategy)", () => {
  it.live("round_robin over three backends is exact: 100 / 100 / 100", () =>
    Effect.gen(function*() {
      const list = yield* backends(3)
      const proxy = yield* startProxy({ global: GLOBAL, servers: { "lb.toml": lbToml(list, "round_robin") } })
      yield* storm(proxy.port)
      yield* show("round_robin 3 backends", counts(list))
      assert.deepStrictEqual(counts(list), [100, 100, 100])
    }), { timeout: 30_000 })

  it.live("random over three backends: each within 4σ of 100", () =>
    Effect.gen(function*() {
      const list = yield* backends(3)
      const proxy = yield* startProxy({ global: GLOBAL, servers: { "lb.toml": lbToml(list, "random") } })
      yield* storm(proxy.port)
      yield* show("random 3 backends", counts(list))
      assert.strictEqual(counts(list).reduce((a, b) => a + b, 0), LOGINS)
      for (const n of counts(list)) assert.isTrue(withinBinomial(n, LOGINS, 1 / 3), `${counts(list)}`)
    }), { timeout: 30_000 })

  it.live("weights 1 and 3: round_robin exactly 75 / 225, random within 4σ of it", () =>
    Effect.gen(function*() {
      const rr = yield* backends(2)
      const rnd = yield* backends(2)
      const proxy = yield* startProxy({
        global: GLOBAL,
        servers: {
          "rr.toml": lbToml(rr, "round_robin", [1, 3]),
          "rnd.toml": lbToml(rnd, "random", [1, 3]).replace(HOST, "rnd.example.com")
        }
      })
      yield* storm(proxy.port)
      yield* storm(proxy.port, LOGINS, "rnd.example.com")
      yield* show("round_robin weights 1:3", counts(rr))
      yield* show("random weights 1:3", counts(rnd))
      assert.deepStrictEqual(counts(rr), [75, 225])
      assert.isTrue(withinBinomial(rnd[1]!.logins(), LOGINS, 0.75), `${counts(rnd)}`)
    }), { timeout: 30_000 })

  it.live("least_players fills the emptiest backend first, then spreads evenly", () =>
    Effect.gen(function*() {
      const list = yield* backends(3)
      const [a, b] = list as [McServer, McServer, McServer]
      // Players put on a and b through other routes count too: least_players is per backend.
      const proxy = yield* startProxy({
        global: GLOBAL,
        servers: {
          "lb.toml": lbToml(list, "least_players"),
          "a.toml": serverToml(["a.example.com"], [a.address]),
          "b.toml": serverToml(["b.example.com"], [b.address])
        }
      })
      const held: Array<Player> = []
      yield* Effect.addFinalizer(() => Effect.sync(() => held.forEach((p) => p.leave())))
      const hold = (host: string, name: string) =>
        Effect.promise(() => joinAndStay(VERSION, proxy.port, host, name, { timeoutMs: 8000 })).pipe(Effect.tap((p) => Effect.sync(() => held.push(p))))
      for (let i = 0; i < 4; i++) yield* hold("a.example.com", `a${i}`)
      for (let i = 0; i < 2; i++) yield* hold("b.example.com", `b${i}`)
      const online = () => list.map((x) => x.online())
      assert.deepStrictEqual(online(), [4, 2, 0])
      // The next two go to c (the emptiest), then b and c level with a.
      yield* hold(HOST, "n0")
      yield* hold(HOST, "n1")
      assert.deepStrictEqual(online(), [4, 2, 2])
      for (let i = 2; i < 6; i++) yield* hold(HOST, `n${i}`)
      assert.deepStrictEqual(online(), [4, 4, 4])
      // Now 300 short logins over level backends.
      const before = counts(list)
      yield* storm(proxy.port)
      const spread = counts(list).map((n, i) => n - before[i]!)
      yield* show("least_players 3 backends (4 held on each)", spread)
      for (const n of spread) assert.isAtLeast(n, 90, `${spread}`)
    }), { timeout: 30_000 })

  it.live("least_connections over three backends spreads evenly", () =>
    Effect.gen(function*() {
      const list = yield* backends(3)
      const proxy = yield* startProxy({ global: GLOBAL, servers: { "lb.toml": lbToml(list, "least_connections") } })
      yield* storm(proxy.port)
      yield* show("least_connections 3 backends", counts(list))
      for (const n of counts(list)) assert.isAtLeast(n, 90, `${counts(list)}`)
    }), { timeout: 30_000 })

  it.live("sequential (the default) sends everyone to the first backend", () =>
    Effect.gen(function*() {
      const list = yield* backends(2)
      const proxy = yield* startProxy({ global: GLOBAL, servers: { "lb.toml": serverToml([HOST], list.map((b) => b.address)) } })
      yield* storm(proxy.port, 50)
      assert.deepStrictEqual(counts(list), [50, 0])
    }), { timeout: 30_000 })
})
