/**
 * Active health checks: one fiber per (server, backend) for every server with a
 * `[health_check]` table, probing every `interval` and handing each result to the Balancer.
 *
 * Lifecycle follows the routing table. The fibers of one server live in a `FiberMap` entry
 * keyed by the server id; a reload that changes anything a check depends on (the table, the
 * addresses, PROXY protocol, domains) restarts that entry, a removed server or a removed
 * `[health_check]` interrupts it, and an unchanged server keeps its fibers (and rhythm).
 * Closing the owning Scope stops every check.
 */
import { Duration, Effect, FiberMap, Schedule, type Scope } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { BackendTarget, HealthCheckConfig } from "../config/ServerConfig.ts"
import type { Observation } from "./BackendHealth.ts"
import { HealthCheckFailed, type Probe } from "./HealthProbe.ts"

export interface CheckHooks {
  readonly probe: Probe
  /** Called with every check result, in order, per backend. */
  readonly onResult: (server: LoadedServer, target: BackendTarget, observation: Observation) => Effect.Effect<void>
  /** A check connection opened (+1) or closed (-1): they count for `least_connections`. */
  readonly onProbing: (target: BackendTarget, delta: 1 | -1) => void
}

/** Backends of a server, one per address text (a repeated address is checked once). */
const distinctTargets = (server: LoadedServer): ReadonlyArray<BackendTarget> => {
  const seen = new Set<string>()
  return server.config.addresses.filter((t) => !seen.has(t.text) && seen.add(t.text) !== undefined)
}

/** Checks one backend now, then every `interval` after the previous check ended, forever. */
const checkBackend = (server: LoadedServer, target: BackendTarget, check: HealthCheckConfig, hooks: CheckHooks) =>
  Effect.acquireUseRelease(
    Effect.sync(() => hooks.onProbing(target, 1)),
    () =>
      hooks.probe(server, target, check).pipe(
        // A bug in a probe must not end the checks of this backend silently.
        Effect.catchDefect((defect) => Effect.fail(new HealthCheckFailed({ reason: `check failed unexpectedly: ${String(defect)}` }))),
        Effect.result
      ),
    () => Effect.sync(() => hooks.onProbing(target, -1))
  ).pipe(
    Effect.flatMap((result) =>
      hooks.onResult(server, target, result._tag === "Success" ? { ok: true } : { ok: false, reason: result.failure.reason })
    ),
    Effect.repeat(Schedule.spaced(check.interval)),
    Effect.asVoid
  )

/** Every backend of `server` checked concurrently until interrupted. */
const checkServer = (server: LoadedServer, check: HealthCheckConfig, hooks: CheckHooks): Effect.Effect<void> =>
  Effect.forEach(distinctTargets(server), (target) => checkBackend(server, target, check, hooks), {
    concurrency: "unbounded",
    discard: true
  })

/** Everything a server's checks depend on; a change restarts them. Undefined = no checks. */
const checkFingerprint = (server: LoadedServer): string | undefined => {
  const check = server.config.healthCheck
  if (check === undefined) return undefined
  return JSON.stringify({
    interval: Duration.toMillis(check.interval),
    timeout: Duration.toMillis(check.timeout),
    kind: check.kind,
    unhealthyAfter: check.unhealthyAfter,
    healthyAfter: check.healthyAfter,
    addresses: server.config.addresses.map((t) => t.text),
    sendProxyProtocol: server.config.sendProxyProtocol,
    domains: server.config.domains,
    domainRewrite: server.config.domainRewrite
  })
}

export interface Checkers {
  /** Starts, restarts or stops checks so they match `servers` exactly. */
  readonly sync: (servers: ReadonlyArray<LoadedServer>) => Effect.Effect<void>
  /** Ids of servers whose checks are running (for tests and the admin API). */
  readonly running: () => ReadonlyArray<string>
}

export const makeCheckers = (hooks: CheckHooks): Effect.Effect<Checkers, never, Scope.Scope> =>
  Effect.gen(function*() {
    const fibers = yield* FiberMap.make<string>()
    const fingerprints = new Map<string, string>()
    const sync = (servers: ReadonlyArray<LoadedServer>) =>
      Effect.gen(function*() {
        const wanted = new Map<string, LoadedServer>()
        for (const server of servers) if (server.config.healthCheck !== undefined) wanted.set(server.id, server)
        for (const id of [...fingerprints.keys()]) {
          if (!wanted.has(id)) {
            fingerprints.delete(id)
            yield* FiberMap.remove(fibers, id)
          }
        }
        for (const [id, server] of wanted) {
          const fingerprint = checkFingerprint(server)!
          if (fingerprints.get(id) === fingerprint) continue
          fingerprints.set(id, fingerprint)
          yield* FiberMap.run(fibers, id, checkServer(server, server.config.healthCheck!, hooks))
        }
      })
    return { sync, running: () => [...fingerprints.keys()] }
  })
