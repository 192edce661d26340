/**
 * The Balancer service with a fake probe and a routing table the test controls, on the
 * TestClock: thresholds and intervals, one log line per transition, failed login connects,
 * passive health, `motd_from`, hot reload of backends and servers, and connection counting.
 */
import { assert, describe, it } from "@effect/vitest"
import { Duration, Effect, Exit, Layer, Metric, Option, Result, Scope, SubscriptionRef } from "effect"
import { TestClock } from "effect/testing"
import { Balancer } from "../../src/backend/Balancer.ts"
import { BackendConnectError } from "../../src/backend/BackendDialer.ts"
import { HealthCheckFailed, type Probe } from "../../src/backend/HealthProbe.ts"
import { type LoadedServer, parseServerConfig } from "../../src/config/ConfigLoader.ts"
import { backendConnectFailures, backendHealthy, backendPlayers } from "../../src/observability/Metrics.ts"
import { EventBus } from "../../src/event/EventBus.ts"
import { Router } from "../../src/routing/Router.ts"
import * as RoutingTable from "../../src/routing/RoutingTable.ts"
import { Sessions } from "../../src/session/Sessions.ts"
import { captureLogs } from "../support/LogCapture.ts"

const server = (id: string, toml: string): LoadedServer => {
  const parsed = parseServerConfig(toml, `servers/${id}.toml`, id, "linux")
  if (Result.isFailure(parsed)) throw new Error(parsed.failure.message)
  return { id, file: `${id}.toml`, path: `servers/${id}.toml`, config: parsed.success.config }
}

const toml = (addresses: ReadonlyArray<string>, extra = "") =>
  `domains = ["mc.example.com"]\naddresses = [${addresses.map((a) => a.startsWith("{") ? a : `"${a}"`).join(", ")}]\n${extra}\n`

const checks = (lines = "") => `[health_check]\ninterval = "10s"\ntimeout = "1s"\n${lines}`

const tableOf = (servers: ReadonlyArray<LoadedServer>) =>
  RoutingTable.make(servers.map((s) => ({ id: s.id, file: s.file, domains: s.config.domains, value: s }))).table

/** A probe that fails for addresses in `down` and records every call. */
const fakeProbe = (...initiallyDown: ReadonlyArray<string>) => {
  const down = new Set<string>(initiallyDown)
  const calls: Array<string> = []
  const probe: Probe = (_server, target) =>
    Effect.suspend(() => {
      calls.push(target.text)
      return down.has(target.text) ? Effect.fail(new HealthCheckFailed({ reason: "connection refused" })) : Effect.void
    })
  return { down, calls, probe }
}

const harness = (initial: ReadonlyArray<LoadedServer>, probe: Probe) => {
  const { lines: logs, layer: logLayer } = captureLogs()
  const router = Layer.effect(
    Router,
    Effect.map(SubscriptionRef.make(tableOf(initial)), (table) => Router.of({ table, server: () => Effect.die("unused"), resolve: () => Effect.die("unused"), resolveNow: () => { throw new Error("unused") } }))
  )
  const layer = Balancer.layerWithProbe(probe).pipe(
    Layer.provideMerge(Layer.mergeAll(router, Sessions.layer, EventBus.layer)),
    Layer.provideMerge(logLayer)
  )
  return { logs, layer }
}

/** Lets forked fibers (checks, the table follower) run to their next sleep. */
const settle = Effect.forEach(Array.from({ length: 20 }), () => Effect.yieldNow, { discard: true })
const tick = (duration: Duration.Input) => Effect.andThen(TestClock.adjust(duration), settle)

const publish = (servers: ReadonlyArray<LoadedServer>) =>
  Effect.gen(function*() {
    const router = yield* Router
    yield* SubscriptionRef.set(router.table, tableOf(servers))
    yield* settle
  })

const firstPicks = (s: LoadedServer, n: number) =>
  Effect.gen(function*() {
    const balancer = yield* Balancer
    const out: Array<string> = []
    for (let i = 0; i < n; i++) out.push((yield* balancer.candidates(s))[0]!.text)
    return out
  })

const texts = (targets: ReadonlyArray<{ readonly text: string }>) => targets.map((t) => t.text)
const gauge = (metric: typeof backendHealthy, serverId: string, backend: string) =>
  Effect.map(Metric.value(Metric.withAttributes(metric, { server: serverId, backend })), (s) => s.value)

const A = "10.0.0.1:25565"
const B = "10.0.0.2:25565"
const C = "10.0.0.3:25565"

describe("Balancer (TestClock, fake probe)", () => {
  it.effect("a failing backend leaves rotation after unhealthy_after checks and returns after healthy_after", () => {
    const { calls, down, probe } = fakeProbe(B)
    const mc = server("hc1", toml([A, B, C], `load_balancing = "round_robin"\n${checks()}`))
    const { layer, logs } = harness([mc], probe)
    return Effect.gen(function*() {
      const events = yield* (yield* EventBus).subscribe()
      yield* settle
      assert.strictEqual(calls.length, 3, "one check per backend at start")
      assert.deepStrictEqual(yield* firstPicks(mc, 3), [A, B, C], "one failure is not enough")
      yield* tick("10 seconds")
      assert.include(yield* firstPicks(mc, 3), B, "two failures are not enough")
      yield* tick("10 seconds") // third failed check: out
      const picks = yield* firstPicks(mc, 300)
      assert.notInclude(picks, B)
      assert.strictEqual(picks.filter((p) => p === A).length, 150)
      // Out of rotation, but still the last resort.
      assert.deepStrictEqual(texts(yield* (yield* Balancer).candidates(mc)).slice(-1), [B])
      assert.strictEqual(yield* gauge(backendHealthy, "hc1", B), 0)
      yield* tick("60 seconds")
      const downLines = logs.filter((l) => l.message.includes(`backend ${B} of 'hc1' is down`))
      assert.strictEqual(downLines.length, 1, "one line per transition, not per failed probe")
      assert.strictEqual(downLines[0]!.level, "Warn")
      assert.include(downLines[0]!.message, "connection refused")
      assert.deepStrictEqual(yield* events.take, {
        _tag: "BackendHealthChange",
        server: "hc1",
        backend: B,
        healthy: false,
        reason: "connection refused"
      }, "one event per transition")
      down.delete(B)
      yield* tick("10 seconds") // one good check: still out (healthy_after = 2)
      assert.notInclude(yield* firstPicks(mc, 3), B)
      yield* tick("10 seconds")
      assert.include(yield* firstPicks(mc, 3), B)
      assert.strictEqual(yield* gauge(backendHealthy, "hc1", B), 1)
      const up = logs.filter((l) => l.message.includes(`backend ${B} of 'hc1' passed 2 checks in a row`))
      assert.strictEqual(up.length, 1)
      assert.strictEqual(up[0]!.level, "Info")
      assert.deepStrictEqual(yield* events.take, { _tag: "BackendHealthChange", server: "hc1", backend: B, healthy: true, reason: undefined })
      assert.strictEqual(events.lagged(), 0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("all backends down: every address in written order (a check may be wrong)", () => {
    const { down, probe } = fakeProbe(A, B, C)
    const mc = server("hc2", toml([A, B, C], `load_balancing = "random"\n${checks("unhealthy_after = 1")}`))
    const { layer } = harness([mc], probe)
    return Effect.gen(function*() {
      yield* settle
      const balancer = yield* Balancer
      assert.deepStrictEqual(texts(yield* balancer.candidates(mc)), [A, B, C])
      assert.deepStrictEqual(texts(yield* balancer.statusCandidates(mc)), [A, B, C])
      down.delete(C)
      yield* tick("10 seconds")
      yield* tick("10 seconds")
      // The only healthy backend first; the others stay as a last resort.
      assert.deepStrictEqual(texts(yield* balancer.candidates(mc)), [C, A, B])
    }).pipe(Effect.provide(layer))
  })

  it.effect("motd_from: the first healthy backend by default, always the first with \"first\"", () => {
    const { probe } = fakeProbe(A)
    const healthy = server("m1", toml([A, B], checks("unhealthy_after = 1")))
    const first = server("m2", toml([A, B], `motd_from = "first"\n${checks("unhealthy_after = 1")}`))
    const { layer } = harness([healthy, first], probe)
    return Effect.gen(function*() {
      yield* settle
      const balancer = yield* Balancer
      assert.deepStrictEqual(texts(yield* balancer.statusCandidates(healthy)), [B, A])
      assert.deepStrictEqual(texts(yield* balancer.statusCandidates(first)), [A])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a failed login connect counts against the backend like a failed check; a successful one does not", () => {
    const { probe } = fakeProbe()
    const mc = server("hc3", toml([A, B], `load_balancing = "round_robin"\n${checks()}`))
    const { layer, logs } = harness([mc], probe)
    return Effect.gen(function*() {
      yield* settle
      const balancer = yield* Balancer
      const a = mc.config.addresses[0]!
      yield* balancer.report(mc, a, false)
      yield* balancer.report(mc, a, false)
      yield* balancer.report(mc, a, true) // a TCP connect says nothing about a hung server
      yield* balancer.report(mc, a, false)
      assert.deepStrictEqual(yield* firstPicks(mc, 4), [B, B, B, B])
      assert.isTrue(logs.some((l) => l.message.includes(`backend ${A} of 'hc3' is down`) && l.message.includes("login connect failed")))
      // Checks pass: back after healthy_after = 2.
      yield* tick("10 seconds")
      assert.notInclude(yield* firstPicks(mc, 4), A)
      yield* tick("10 seconds")
      assert.include(yield* firstPicks(mc, 4), A)
    }).pipe(Effect.provide(layer))
  })

  it.effect("passive health without [health_check]: out after 3 failed connects, retried after 10 s, back on success", () => {
    const { calls, probe } = fakeProbe()
    const mc = server("p1", toml([A, B], `load_balancing = "round_robin"`))
    const seq = server("p2", toml([A, B]))
    const { layer, logs } = harness([mc, seq], probe)
    return Effect.gen(function*() {
      yield* settle
      assert.strictEqual(calls.length, 0, "no [health_check]: no probes")
      const balancer = yield* Balancer
      const a = mc.config.addresses[0]!
      for (let i = 0; i < 3; i++) yield* balancer.report(mc, a, false)
      assert.deepStrictEqual(yield* firstPicks(mc, 4), [B, B, B, B])
      assert.isTrue(logs.some((l) => l.level === "Warn" && l.message.includes(`backend ${A} of 'p1' is out of rotation`)))
      yield* tick("10 seconds")
      assert.include(yield* firstPicks(mc, 4), A, "offered again after the retry time")
      yield* balancer.report(mc, a, true)
      assert.isTrue(logs.some((l) => l.message.includes(`backend ${A} of 'p1' answered a login again`)))
      // sequential without [health_check] is Infrarust: always the written order.
      for (let i = 0; i < 5; i++) yield* balancer.report(seq, seq.config.addresses[0]!, false)
      assert.deepStrictEqual(texts(yield* balancer.candidates(seq)), [A, B])
    }).pipe(Effect.provide(layer))
  })

  it.effect("hot reload: an added backend is in rotation at once, a removed one gets no new players and is no longer checked", () => {
    const { calls, probe } = fakeProbe()
    const v1 = server("r1", toml([A, B], `load_balancing = "round_robin"\n${checks()}`))
    const other = server("r2", toml([C], checks()))
    const { layer, logs } = harness([v1, other], probe)
    return Effect.gen(function*() {
      yield* settle
      const v2 = server("r1", toml([A, C], `load_balancing = "round_robin"\n${checks()}`))
      yield* publish([v2, other])
      assert.deepStrictEqual([...new Set(yield* firstPicks(v2, 4))].sort(), [A, C])
      assert.isTrue(logs.some((l) => l.message.includes(`backend ${B} of 'r1' removed`)))
      assert.isTrue(logs.some((l) => l.message.includes(`backend ${C} of 'r1' added to rotation`)))
      calls.length = 0
      yield* tick("10 seconds")
      assert.deepStrictEqual([...calls].sort(), [A, C, C], "B is no longer checked; C once per server")
      // Removing a server stops its checks; removing [health_check] too.
      yield* publish([server("r2", toml([C]))])
      calls.length = 0
      yield* tick("30 seconds")
      assert.deepStrictEqual(calls, [])
      const views = yield* (yield* Balancer).backends()
      assert.deepStrictEqual(views.map((v) => `${v.server} ${v.backend} ${v.mode}`), [`r2 ${C} none`])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a changed [health_check] restarts the checks with the new interval; health survives the reload", () => {
    const { calls, probe } = fakeProbe(A)
    const v1 = server("r3", toml([A, B], checks("unhealthy_after = 1")))
    const { layer } = harness([v1], probe)
    return Effect.gen(function*() {
      yield* settle
      const v2 = server("r3", toml([A, B], `[health_check]\ninterval = "2s"\nunhealthy_after = 1\nhealthy_after = 5`))
      yield* publish([v2])
      assert.deepStrictEqual(texts(yield* (yield* Balancer).candidates(v2)), [B, A], "still down after the reload")
      calls.length = 0
      yield* tick("2 seconds")
      assert.deepStrictEqual([...calls].sort(), [A, B])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a probe that dies counts as a failed check, and the checks go on", () => {
    const broken: Probe = () => Effect.die(new Error("boom"))
    const mc = server("d1", toml([A, B], checks("unhealthy_after = 2")))
    const { layer, logs } = harness([mc], broken)
    return Effect.gen(function*() {
      yield* settle
      yield* tick("10 seconds")
      const down = logs.filter((l) => l.message.includes(`backend ${A} of 'd1' is down`))
      assert.strictEqual(down.length, 1)
      assert.include(down[0]!.message, "check failed unexpectedly: Error: boom")
    }).pipe(Effect.provide(layer))
  })

  it.effect("connect: tries in order, closes a failed attempt at once, counts live connections for least_connections", () => {
    const { probe } = fakeProbe()
    const mc = server("c1", toml([A, B], `load_balancing = "least_connections"`))
    const lp = server("c2", toml([A, B], `load_balancing = "least_players"`))
    const seq = server("c3", toml([A, B]))
    const { layer, logs } = harness([mc, lp, seq], probe)
    return Effect.gen(function*() {
      const balancer = yield* Balancer
      const released: Array<string> = []
      const dial = (target: { readonly text: string }) =>
        Effect.acquireRelease(Effect.succeed(target.text), (t) => Effect.sync(() => released.push(t)))
      const session = yield* Scope.make()
      const first = yield* Scope.provide(session)(balancer.connect(mc, dial))
      assert.deepStrictEqual(first, Option.some(A))
      assert.strictEqual(yield* gauge(backendPlayers, "c1", A), 1)
      // A holds a connection: the next login goes to B, then A and B alternate while both are held.
      const second = yield* Scope.provide(session)(balancer.connect(mc, dial))
      assert.deepStrictEqual(second, Option.some(B))
      const views = yield* balancer.backends()
      assert.deepStrictEqual(views.filter((v) => v.server === "c1").map((v) => v.connections), [1, 1])
      yield* Scope.close(session, Exit.void)
      assert.deepStrictEqual(released.sort(), [A, B])
      assert.strictEqual(yield* gauge(backendPlayers, "c1", A), 0)
      // A refused attempt is closed before the next one and logged as before.
      const refusing = (target: { readonly text: string }) =>
        target.text === A
          ? Effect.acquireRelease(Effect.void, () => Effect.sync(() => released.push("failed A"))).pipe(
            Effect.andThen(Effect.fail(new BackendConnectError({ address: A, reason: "refused", detail: "ECONNREFUSED" })))
          )
          : Effect.sync(() => released.join(","))
      const s2 = yield* Scope.make()
      const picked = yield* Scope.provide(s2)(balancer.connect(seq, refusing))
      assert.deepStrictEqual(picked, Option.some(`${A},${B},failed A`))
      assert.isTrue(logs.some((l) => l.level === "Warn" && l.message === `backend ${A} of 'c3' failed: ECONNREFUSED`))
      const failures = yield* Metric.value(Metric.withAttributes(backendConnectFailures, { server: "c3", backend: A }))
      assert.strictEqual(failures.count, 1)
      // least_players counts sessions (Sessions registry) on the backend.
      const sessions = yield* Sessions
      const s3 = yield* Scope.make()
      for (let i = 0; i < 2; i++) {
        yield* Scope.provide(s3)(sessions.open({
          client: "127.0.0.1",
          player: `p${i}`,
          uuid: undefined,
          identity: "claimed",
          protocolVersion: 765,
          mode: "passthrough"
        }, { _tag: "Playing", server: "c2", backend: A }, 0))
      }
      assert.deepStrictEqual(yield* firstPicks(lp, 1), [B])
    }).pipe(Effect.provide(layer))
  })

  it.effect("connect: the last attempt dials in the caller's scope; failing, it is uncounted at once and released with that scope", () => {
    const { probe } = fakeProbe()
    const mc = server("c4", toml([A, B], `load_balancing = "least_connections"`))
    const { layer } = harness([mc], probe)
    return Effect.gen(function*() {
      const balancer = yield* Balancer
      const released: Array<string> = []
      const failing = (target: { readonly text: string }) =>
        Effect.acquireRelease(Effect.void, () => Effect.sync(() => released.push(target.text))).pipe(
          Effect.andThen(Effect.fail(new BackendConnectError({ address: target.text, reason: "refused", detail: "ECONNREFUSED" })))
        )
      const caller = yield* Scope.make()
      const picked = yield* Scope.provide(caller)(balancer.connect(mc, failing))
      assert.isTrue(Option.isNone(picked))
      const first = released[0]
      assert.deepStrictEqual(released.length, 1, "the first attempt's scope closed before the last was tried")
      const views = (yield* balancer.backends()).filter((v) => v.server === "c4")
      assert.deepStrictEqual(views.map((v) => v.connections), [0, 0], "no failed attempt stays counted")
      assert.strictEqual(yield* gauge(backendPlayers, "c4", A), 0)
      yield* Scope.close(caller, Exit.void)
      assert.deepStrictEqual(released.sort(), [A, B].sort(), `the last attempt (after ${first}) released with the caller's scope`)
    }).pipe(Effect.provide(layer))
  })
})
