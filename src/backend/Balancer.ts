/**
 * Which backend a new player goes to, and which backends are in rotation at all.
 *
 * - Order: `load_balancing` (Strategies.ts) over the backends in rotation, then the backends
 *   out of rotation in `addresses` order as a last resort — a check can be wrong, and an
 *   unhealthy backend that is the only one left is still tried before `disconnect_message`.
 * - Health (BackendHealth.ts), per server and backend:
 *   - active: with `[health_check]`, probes (HealthChecker.ts) and failed login connects count;
 *     a successful login connect does not (a port can accept while the server hangs);
 *   - passive: without `[health_check]` and with a strategy other than `sequential`, 3 failed
 *     login connects in a row take a backend out; 10 s after its last failure it is offered
 *     again and the next login through it decides;
 *   - none: `sequential` without `[health_check]` is exactly Infrarust (always in order).
 * - Load: players = sessions relayed to the backend (Sessions) + logins being connected to it;
 *   connections = every connection this proxy has open to it for logins (from the connect
 *   attempt until the session ends) + health checks in flight.
 *
 * Every transition is announced on the event bus (`BackendHealthChange`: the admin API's
 * `server.health`).
 *
 * State follows the routing table: a reload adds backends healthy, forgets removed ones (their
 * players stay, no new ones go there) and restarts checks whose settings changed.
 */
import { Clock, Context, Effect, Layer, Metric, type Option, Random, Scope, Stream, SubscriptionRef } from "effect"
import { traced } from "../observability/Tracing.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { BackendTarget } from "../config/ServerConfig.ts"
import { backendHealthy, tagged } from "../observability/Metrics.ts"
import { Events } from "../event/EventBus.ts"
import { Router } from "../routing/Router.ts"
import type { RoutingTable } from "../routing/RoutingTable.ts"
import { bump, Sessions } from "../session/Sessions.ts"
import { AttemptCount, attributes, type Dial, playersGauge, tryInOrder, undoOf } from "./Attempts.ts"
import { type HealthState, initialHealth, inRotation, type Observation, observe, type Thresholds } from "./BackendHealth.ts"
import { makeCheckers } from "./HealthChecker.ts"
import { probeBackend, type Probe } from "./HealthProbe.ts"
import { makeStrategyState, order, pruneStrategyState, type StrategyState } from "./Strategies.ts"

/** Passive health: failed login connects in a row before a backend is taken out. */
const PASSIVE_UNHEALTHY_AFTER = 3
/** Passive health: how long after its last failure a backend is offered again. */
const PASSIVE_RETRY_MS = 10_000
const PASSIVE: Thresholds = { unhealthyAfter: PASSIVE_UNHEALTHY_AFTER, healthyAfter: 1 }

export type HealthMode = "active" | "passive" | "none"

/** The backend of a server that has exactly one: nothing for a strategy to choose. */
export const soleBackend = (server: LoadedServer): BackendTarget | undefined => {
  const [only, ...others] = server.config.addresses
  return others.length === 0 ? only : undefined
}

const healthMode = (server: LoadedServer): HealthMode =>
  server.config.healthCheck !== undefined ? "active" : server.config.loadBalancing === "sequential" ? "none" : "passive"

/** One backend as the admin API and tests see it. */
export interface BackendView {
  readonly server: string
  readonly backend: string
  readonly weight: number
  readonly mode: HealthMode
  readonly healthy: boolean
  /** Takes new players now (healthy, or a passive backend due for a retry). */
  readonly inRotation: boolean
  readonly failures: number
  readonly lastFailure: string | undefined
  /** Clock millis of the last health transition. */
  readonly since: number
  readonly players: number
  readonly connections: number
}

const make = (probe: Probe) =>
  Effect.gen(function*() {
    const router = yield* Router
    const sessions = yield* Sessions
    const events = yield* Events
    /** server id → backend text → health; only configured backends have an entry. */
    const health = new Map<string, Map<string, HealthState>>()
    const strategies = new Map<string, StrategyState>()
    const dialling = new Map<string, number>()
    const open = new Map<string, number>()
    const probing = new Map<string, number>()

    const players = (text: string) => Effect.map(sessions.countForBackend(text), (n) => n + (dialling.get(text) ?? 0))
    const connections = (text: string) => (open.get(text) ?? 0) + (probing.get(text) ?? 0)

    const record = Effect.fnUntraced(function*(server: LoadedServer, target: BackendTarget, observation: Observation) {
      const mode = healthMode(server)
      const states = health.get(server.id)
      const before = states?.get(target.text)
      // Removed meanwhile (a stale snapshot or a check finishing after a reload): nothing to track.
      if (mode === "none" || states === undefined || before === undefined) return
      const now = yield* Clock.currentTimeMillis
      const check = server.config.healthCheck
      const { state, transition } = observe(before, observation, check ?? PASSIVE, now)
      states.set(target.text, state)
      if (transition === undefined) return
      const healthy = tagged(backendHealthy, attributes(server, target))
      const who = `backend ${target.text} of '${server.id}'`
      yield* events.notify({
        _tag: "BackendHealthChange",
        server: server.id,
        backend: target.text,
        healthy: transition === "up",
        reason: transition === "down" ? state.lastFailure : undefined
      })
      if (transition === "down") {
        yield* Metric.update(healthy, 0)
        const what = check !== undefined
          ? `is down after ${state.failures} failed checks or connects`
          : `is out of rotation after ${state.failures} failed connects (retried in ${PASSIVE_RETRY_MS / 1000}s)`
        yield* Effect.logWarning(
          `${who} ${what}: ${state.lastFailure}; ${yield* players(target.text)} players stay on it, new players go elsewhere`
        )
      } else {
        yield* Metric.update(healthy, 1)
        const what = check !== undefined ? `passed ${check.healthyAfter} checks in a row` : "answered a login again"
        yield* Effect.logInfo(`${who} ${what}: back in rotation`)
      }
    })

    const split = Effect.fnUntraced(function*(server: LoadedServer) {
      const targets = server.config.addresses
      const mode = healthMode(server)
      if (mode === "none") return { up: targets, down: [] as Array<BackendTarget> }
      const now = yield* Clock.currentTimeMillis
      const retry = mode === "passive" ? PASSIVE_RETRY_MS : undefined
      const states = health.get(server.id)
      const up: Array<BackendTarget> = []
      const down: Array<BackendTarget> = []
      for (const t of targets) (inRotation(states?.get(t.text), now, retry) ? up : down).push(t)
      return { up, down }
    })

    const candidates = Effect.fnUntraced(function*(server: LoadedServer) {
      const { down, up } = yield* split(server)
      let state = strategies.get(server.id)
      if (state === undefined) strategies.set(server.id, state = makeStrategyState())
      const random = yield* Random.Random
      // Player counts live in Sessions (an Effect); read them only for the strategy that uses them.
      const playerLoad = new Map<string, number>()
      if (server.config.loadBalancing === "least_players") {
        for (const t of up) playerLoad.set(t.text, yield* players(t.text))
      }
      const byConnections = server.config.loadBalancing === "least_connections"
      const ordered = order(server.config.loadBalancing, up, state, {
        random: () => random.nextDoubleUnsafe(),
        load: (t) => byConnections ? connections(t.text) : playerLoad.get(t.text) ?? 0
      })
      return [...ordered, ...down]
    })

    const statusCandidates = Effect.fnUntraced(function*(server: LoadedServer) {
      // Infinity-Filter's rule: the first backend is the MOTD source, up or down.
      if (server.config.motdFrom === "first") return server.config.addresses.slice(0, 1)
      const { down, up } = yield* split(server)
      return [...up, ...down]
    })

    const reportWith = (server: LoadedServer, target: BackendTarget, failure: string | undefined) =>
      failure !== undefined
        ? record(server, target, { ok: false, reason: `login connect failed: ${failure}` })
        : healthMode(server) === "passive"
        ? record(server, target, { ok: true })
        : Effect.void

    /**
     * One attempt, counted: a connection to the backend from the dial until the attempt's scope
     * closes, a login being connected while it dials, and a player on the backend's gauge once
     * it answered. One finalizer undoes what was counted.
     */
    const countedDial = <A>(server: LoadedServer, dial: Dial<A>) => (target: BackendTarget) =>
      Effect.flatMap(Scope.Scope, (scope) => {
        const count = new AttemptCount(open, dialling, playersGauge(server, target), target.text)
        // The finalizer and the exit hook are in place before anything is counted.
        return Effect.andThen(
          Scope.addFinalizerExit(scope, undoOf(count)),
          Effect.onExit(
            Effect.suspend(() => (count.dialStarted(), dial(target))),
            (exit) =>
              Effect.withFiber((fiber) => {
                count.dialEnded(exit._tag === "Success", fiber.context)
                return Effect.void
              })
          )
        )
      })

    const connect = <A>(server: LoadedServer, dial: Dial<A>) => {
      // One backend: nothing to order, and no strategy state to keep.
      const sole = soleBackend(server)
      const targets = sole !== undefined ? Effect.succeed([sole]) : candidates(server)
      return Effect.flatMap(targets, (targets) =>
        tryInOrder(server, targets, countedDial(server, dial), (target, failure) =>
          failure !== undefined || healthMode(server) === "passive" ? reportWith(server, target, failure?.detail) : Effect.void)
      ).pipe(traced("Balancer.connect"))
    }

    /** Makes the health map match the table: new backends healthy, removed ones forgotten. */
    const syncState = Effect.fnUntraced(function*(servers: ReadonlyArray<LoadedServer>) {
      const now = yield* Clock.currentTimeMillis
      const ids = new Set(servers.map((s) => s.id))
      for (const id of [...health.keys()]) if (!ids.has(id)) health.delete(id)
      for (const id of [...strategies.keys()]) if (!ids.has(id)) strategies.delete(id)
      for (const server of servers) {
        const texts = new Set(server.config.addresses.map((t) => t.text))
        const reset = healthMode(server) === "none"
        const known = health.get(server.id)
        const states = new Map<string, HealthState>()
        for (const text of texts) {
          const previous = reset ? undefined : known?.get(text)
          states.set(text, previous ?? initialHealth(now))
          if (previous !== undefined) continue
          yield* Metric.update(tagged(backendHealthy, attributes(server.id, text)), 1)
          if (known !== undefined && !known.has(text)) yield* Effect.logInfo(`backend ${text} of '${server.id}' added to rotation`)
        }
        for (const text of known?.keys() ?? []) {
          if (!texts.has(text)) {
            yield* Effect.logInfo(`backend ${text} of '${server.id}' removed: no new players, ${yield* players(text)} stay until they leave`)
          }
        }
        health.set(server.id, states)
        const strategy = strategies.get(server.id)
        if (strategy !== undefined) pruneStrategyState(strategy, texts)
      }
    })

    const checkers = yield* makeCheckers({
      probe,
      onResult: record,
      onProbing: (target, delta) => bump(probing, target.text, delta)
    })
    const sync = (servers: ReadonlyArray<LoadedServer>) => Effect.andThen(syncState(servers), checkers.sync(servers))
    const serversOf = (table: RoutingTable<LoadedServer>) =>
      [...table.byId.values()].map((entry) => entry.value)
    // The current table first, before the layer is ready, so no login sees an empty state.
    yield* sync(serversOf(yield* SubscriptionRef.get(router.table)))
    yield* SubscriptionRef.changes(router.table).pipe(
      Stream.drop(1),
      Stream.runForEach((table) => sync(serversOf(table))),
      Effect.forkScoped
    )

    const backends = () =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const table = yield* SubscriptionRef.get(router.table)
        const views: Array<BackendView> = []
        for (const server of serversOf(table)) {
          const mode = healthMode(server)
          for (const t of server.config.addresses) {
            const state = health.get(server.id)?.get(t.text) ?? initialHealth(now)
            views.push({
              server: server.id,
              backend: t.text,
              weight: t.weight,
              mode,
              healthy: mode === "none" || state.healthy,
              inRotation: mode === "none" || inRotation(state, now, mode === "passive" ? PASSIVE_RETRY_MS : undefined),
              failures: state.failures,
              lastFailure: state.lastFailure,
              since: state.since,
              players: yield* sessions.countForBackend(t.text),
              connections: connections(t.text)
            })
          }
        }
        return views
      })

    return Balancer.of({
      candidates,
      statusCandidates,
      report: (server, target, ok) => reportWith(server, target, ok ? undefined : "connection failed"),
      connect,
      backends
    })
  })

export class Balancer extends Context.Service<Balancer, {
  /** Candidates for a new login, best first (advances round robin: one call per login). */
  readonly candidates: (server: LoadedServer) => Effect.Effect<ReadonlyArray<BackendTarget>>
  /** Backends to ask for the server-list status, in order (the MOTD source, `motd_from`). */
  readonly statusCandidates: (server: LoadedServer) => Effect.Effect<ReadonlyArray<BackendTarget>>
  /** The outcome of one connect attempt made for a login. */
  readonly report: (server: LoadedServer, target: BackendTarget, ok: boolean) => Effect.Effect<void>
  /**
   * Connects a login: dials the candidates in order until one answers, reporting each attempt
   * and counting the connection against its backend for as long as the caller's Scope lives.
   * A failed attempt is uncounted at once and, but for the last one (which dials in the
   * caller's Scope), its scope closed before the next is tried.
   */
  readonly connect: <A>(server: LoadedServer, dial: Dial<A>) => Effect.Effect<Option.Option<A>, never, Scope.Scope>
  /** Health and load of every configured backend. */
  readonly backends: () => Effect.Effect<ReadonlyArray<BackendView>>
}>()("infrarust/backend/Balancer") {
  /** Infrarust's behaviour with no state at all: every address, in order. */
  static readonly sequential = Layer.succeed(
    Balancer,
    Balancer.of({
      candidates: (server) => Effect.succeed(server.config.addresses),
      statusCandidates: (server) => Effect.succeed(server.config.addresses),
      report: () => Effect.void,
      connect: (server, dial) => tryInOrder(server, server.config.addresses, dial, () => Effect.void),
      backends: () => Effect.succeed([])
    })
  )
  static readonly layerWithProbe = (probe: Probe) => Layer.effect(Balancer, make(probe))
  static readonly layer = Balancer.layerWithProbe(probeBackend)
}
