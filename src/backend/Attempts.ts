/**
 * The balancer's dial loop and what one login attempt counts against its backend
 * (Balancer.ts decides the order and keeps the counts; this file runs the attempts).
 */
import { Context, Effect, Exit, Metric, Option, Scope } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { BackendTarget } from "../config/ServerConfig.ts"
import { backendConnectFailures, backendPlayers, tagged } from "../observability/Metrics.ts"
import { bump } from "../session/Sessions.ts"
import type { BackendConnectError } from "./BackendDialer.ts"

export type Dial<A> = (target: BackendTarget) => Effect.Effect<A, BackendConnectError, Scope.Scope>

export const attributes = (server: LoadedServer | string, target: BackendTarget | string) => ({
  server: typeof server === "string" ? server : server.id,
  backend: typeof target === "string" ? target : target.text
})

/**
 * The dial loop: each attempt but the last in a child scope, closed at once when the attempt
 * fails. The last one dials in the caller's scope: when it fails there is nothing left to try and
 * the caller closes that scope (the login ends, or an intercepted session closes its leg), and
 * when it succeeds — the common case, one backend answering at once — the session keeps no scope
 * of its own for the attempt (about 0.3 KiB per idle player). Written with few steps (every login
 * runs it): the scopes are forked synchronously.
 */
export const tryInOrder = <A>(
  server: LoadedServer,
  targets: ReadonlyArray<BackendTarget>,
  dial: Dial<A>,
  onAttempt: (target: BackendTarget, failure: BackendConnectError | undefined) => Effect.Effect<void>
): Effect.Effect<Option.Option<A>, never, Scope.Scope> =>
  Effect.withFiber((fiber) => {
    const parent = Context.getUnsafe(fiber.context, Scope.Scope)
    const attempt = (i: number): Effect.Effect<Option.Option<A>> => {
      if (i >= targets.length) return Effect.succeedNone
      const target = targets[i]!
      const scope = i === targets.length - 1 ? undefined : Scope.forkUnsafe(parent)
      return Effect.matchEffect(Scope.provide(dial(target), scope ?? parent), {
        onSuccess: (a) => Effect.as(onAttempt(target, undefined), Option.some(a)),
        onFailure: (failure) =>
          (scope === undefined ? Effect.void : Scope.close(scope, Exit.void)).pipe(
            Effect.andThen(Metric.update(tagged(backendConnectFailures, attributes(server, target)), 1)),
            Effect.andThen(onAttempt(target, failure)),
            Effect.andThen(Effect.logWarning(`backend ${target.text} of '${server.id}' failed: ${failure.detail}`)),
            Effect.andThen(attempt(i + 1))
          )
      })
    }
    return attempt(0)
  })

/** `infrarust.backend.players` of a configured backend, found by the target object (config-owned). */
const gauges = new WeakMap<BackendTarget, Metric.Gauge<number>>()
export const playersGauge = (server: LoadedServer, target: BackendTarget): Metric.Gauge<number> => {
  let gauge = gauges.get(target)
  if (gauge === undefined) gauges.set(target, (gauge = tagged(backendPlayers, attributes(server, target))))
  return gauge
}

/**
 * What one login attempt counts against its backend (a connection from the dial on, a login
 * being connected while it dials, a player once it answered) and the finalizer that undoes it.
 * Each step notes what it counted, so an interruption between two of them leaves nothing
 * behind. Made at the top level: the finalizer lives as long as the session and keeps only this
 * state, not the dial's closures.
 */
export class AttemptCount {
  private isOpen = false
  private isDialling = false
  private isConnected = false
  private readonly open: Map<string, number>
  private readonly dialling: Map<string, number>
  private readonly gauge: Metric.Gauge<number>
  private readonly backend: string

  constructor(open: Map<string, number>, dialling: Map<string, number>, gauge: Metric.Gauge<number>, backend: string) {
    this.open = open
    this.dialling = dialling
    this.gauge = gauge
    this.backend = backend
  }

  dialStarted(): void {
    this.isOpen = this.isDialling = true
    bump(this.open, this.backend, 1)
    bump(this.dialling, this.backend, 1)
  }

  /** A failed attempt is uncounted at once: its finalizer may run much later (see `tryInOrder`). */
  dialEnded(connected: boolean, context: Context.Context<never>): void {
    if (this.isDialling) (this.isDialling = false, bump(this.dialling, this.backend, -1))
    if (connected) (this.isConnected = true, this.gauge.modifyUnsafe(1, context))
    else this.undo(context)
  }

  /** Undoes what is counted, once. */
  undo(context: Context.Context<never>): void {
    if (this.isOpen) (this.isOpen = false, bump(this.open, this.backend, -1))
    if (this.isConnected) (this.isConnected = false, this.gauge.modifyUnsafe(-1, context))
  }
}

/** The attempt's finalizer: the Effect is made when it runs, not kept for the whole session. */
export const undoOf = (count: AttemptCount) => () => Effect.withFiber((fiber) => (count.undo(fiber.context), Effect.void))
