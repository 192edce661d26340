/**
 * One managed server at run time: its state machine (ServerStateMachine.ts), its provider, the
 * callers waiting for it, and one monitor fiber.
 *
 * - Transitions are applied synchronously (read machine, compute, write machine) with no yield
 *   in between, so concurrent callers can never both start the server.
 * - The monitor is the only fiber that calls the provider: start and stop requests are queued
 *   to it, so a status poll never races a start (the poll could otherwise describe the previous
 *   run). It polls fast while a transition is pending, whoever began it (a login or the monitor
 *   itself), slowly otherwise, and counts players often enough to stop an idle server on time.
 * - Each start attempt is settled exactly once, by the first of: online, crash, start failure,
 *   its deadline, an admin stop; and by the scope closing (waiters then get NotManaged).
 */
import { Clock, Deferred, Duration, Effect, Metric, Option, Queue, Result, Scope } from "effect"
import { serverManagerState, serverStartDuration, tagged } from "../observability/Metrics.ts"
import {
  initialMachine,
  type Machine,
  type MachineAction,
  type MachineEvent,
  type MachineSettings,
  type ManagedState,
  managedStates,
  nextIdleCheckAt,
  nextPollAt,
  type Reply,
  transition
} from "./ServerStateMachine.ts"
import type { ProviderError, ProviderKind, ProviderReport, ServerProvider } from "./ServerProvider.ts"
import { makeOutbox } from "./Outbox.ts"
import { notManaged, type StartOutcome } from "./StartOutcome.ts"

/** A state change, as the event bus and SSE will carry it. */
export interface StateChange {
  readonly server: string
  readonly from: ManagedState
  readonly to: ManagedState
  /** Epoch milliseconds. */
  readonly at: number
  /** Why (a crash's exit code, "no players for 10m", ...); for admins. */
  readonly detail?: string | undefined
}

/** A managed server as the admin API lists it. */
export interface ServerStatus {
  readonly server: string
  readonly provider: ProviderKind
  readonly state: ManagedState
  /** When the current state was entered (epoch milliseconds). */
  readonly since: number
  readonly detail?: string | undefined
}

/** What an admin start or stop did. */
export type AdminResult =
  /** A transition began (the state is now `starting` or `stopping`). */
  | { readonly _tag: "Accepted"; readonly state: ManagedState }
  /** Already there, or already on its way. */
  | { readonly _tag: "Unchanged"; readonly state: ManagedState }
  /** Not possible now (a start while the server is stopping). */
  | { readonly _tag: "Refused"; readonly state: ManagedState; readonly reason: string }
  | { readonly _tag: "NotManaged" }

export interface ManagedServer {
  readonly id: string
  readonly status: () => ServerStatus
  readonly ensureStarted: Effect.Effect<StartOutcome>
  readonly start: Effect.Effect<AdminResult>
  readonly stop: Effect.Effect<AdminResult>
  /** Timing settings changed by a reload (the provider stays). */
  readonly setSettings: (settings: MachineSettings) => void
}

export interface ManagedServerOptions {
  readonly id: string
  readonly settings: MachineSettings
  /** Builds the provider; `poke` asks the monitor to poll now (a local process became ready or exited). */
  readonly provider: (poke: Effect.Effect<void>) => Effect.Effect<ServerProvider, never, Scope.Scope>
  /** Live players on this server (the session registry). */
  readonly players: Effect.Effect<number>
  /** Called with every state change, in order (synchronously: it may wake other fibers). */
  readonly publish: (change: StateChange) => void
}

interface Applied {
  readonly reply: Reply | undefined
  readonly joined: Deferred.Deferred<StartOutcome> | undefined
  /** The states before and after the transition (later transitions may already have moved on). */
  readonly from: ManagedState
  readonly state: ManagedState
}

type Command = { readonly _tag: "Launch"; readonly attempt: number } | { readonly _tag: "Stop" } | { readonly _tag: "Poll" }

const outcomeLabel = (outcome: StartOutcome): string =>
  outcome._tag === "TimedOut" ? "timed_out" : outcome._tag.toLowerCase()

/** Runs in the scope of the server: closing it stops the monitor and releases the provider. */
export const makeManagedServer = Effect.fnUntraced(function*(options: ManagedServerOptions) {
  const { id } = options
  const scope = yield* Scope.Scope
  const inbox = yield* Queue.unbounded<Command>()
  const provider = yield* options.provider(Queue.offer(inbox, { _tag: "Poll" }).pipe(Effect.asVoid))
  let settings = options.settings
  let machine: Machine = initialMachine(yield* Clock.currentTimeMillis)
  /** One Deferred per start attempt, created in the same synchronous step as the attempt. */
  const waiters = new Map<number, Deferred.Deferred<StartOutcome>>()

  const publishGauge = Effect.suspend(() =>
    Effect.forEach(managedStates, (state) =>
      Metric.update(tagged(serverManagerState, { server: id, state }), machine.state === state ? 1 : 0), { discard: true })
  )

  /** Ordered deliveries: see Outbox.ts for why they cannot simply happen where they are produced. */
  type Delivery =
    | { readonly _tag: "Command"; readonly command: Command }
    | { readonly _tag: "Change"; readonly change: StateChange }
    | { readonly _tag: "Settle"; readonly waiter: Deferred.Deferred<StartOutcome>; readonly outcome: StartOutcome }
  const outbox = makeOutbox<Delivery>((item) => {
    switch (item._tag) {
      case "Command":
        return void Queue.offerUnsafe(inbox, item.command)
      case "Change":
        return options.publish(item.change)
      case "Settle":
        return void Deferred.doneUnsafe(item.waiter, Effect.succeed(item.outcome))
    }
  })

  /** Queues what must be delivered in order; returns what may run whenever (logs, metrics, timers). */
  const plan = (action: MachineAction, now: number): Effect.Effect<void> => {
    switch (action._tag) {
      case "Launch":
        outbox.push({ _tag: "Command", command: { _tag: "Launch", attempt: action.attempt } })
        return Effect.void
      case "RequestStop":
        outbox.push({ _tag: "Command", command: { _tag: "Stop" } })
        return Effect.void
      case "PollNow":
        outbox.push({ _tag: "Command", command: { _tag: "Poll" } })
        return Effect.void
      case "Arm": {
        const after = Duration.millis(settings.startTimeoutMs)
        return Effect.sleep(after).pipe(
          Effect.andThen(apply({ _tag: "Deadline", attempt: action.attempt })),
          Effect.forkIn(scope),
          Effect.asVoid
        )
      }
      case "Settle": {
        const waiter = waiters.get(action.attempt)
        waiters.delete(action.attempt)
        if (waiter !== undefined) outbox.push({ _tag: "Settle", waiter, outcome: action.outcome })
        const seconds = (now - action.startedAt) / 1000
        return Metric.update(tagged(serverStartDuration, { server: id, outcome: outcomeLabel(action.outcome) }), seconds)
      }
    }
  }

  /**
   * Applies an event: reads and writes the machine with no yield in between, queues the
   * deliveries in transition order and flushes them. Nothing after the flush reads `machine`
   * (a delivery may have run other transitions). The returned Deferred is the attempt the
   * caller joined, captured before any delivery could settle it.
   */
  const apply = (event: MachineEvent): Effect.Effect<Applied> =>
    Effect.flatMap(Clock.currentTimeMillis, (now) =>
      Effect.suspend(() => {
        const before = machine
        const step = transition(before, event, now, settings)
        const after = step.machine
        machine = after
        const attempt = after.attempt
        if (attempt !== undefined && !waiters.has(attempt.id)) waiters.set(attempt.id, Deferred.makeUnsafe())
        const joined = step.reply?._tag === "Join" ? waiters.get(step.reply.attempt) : undefined
        const effects: Array<Effect.Effect<void>> = []
        if (before.state !== after.state) {
          outbox.push({ _tag: "Change", change: { server: id, from: before.state, to: after.state, at: now, detail: after.detail } })
          const why = after.detail !== undefined ? ` (${after.detail})` : ""
          effects.push(Effect.logInfo(`server '${id}': ${before.state} → ${after.state}${why}`), publishGauge)
        }
        for (const action of step.actions) effects.push(plan(action, now))
        outbox.flush()
        return Effect.all(effects, { discard: true }).pipe(Effect.as({ reply: step.reply, joined, from: before.state, state: after.state }))
      })
    )

  let lastPollError: string | undefined
  const poll: Effect.Effect<ProviderReport | undefined> = Effect.result(provider.status).pipe(
    Effect.flatMap((result) => {
      if (Result.isSuccess(result)) {
        const recovered = lastPollError !== undefined
        lastPollError = undefined
        return Effect.as(recovered ? Effect.logInfo(`server '${id}': status answers again`) : Effect.void, result.success)
      }
      const message = result.failure.message
      // The first failure of a run is a warning; repeats of the same one are not news.
      const log = message === lastPollError ? Effect.logDebug(message) : Effect.logWarning(message)
      lastPollError = message
      return Effect.as(log, undefined)
    })
  )

  const failureDetail = (error: ProviderError) => `${error.reason}: ${error.detail}`

  const runCommand = (command: Command): Effect.Effect<void> => {
    switch (command._tag) {
      case "Launch":
        return Effect.logInfo(`server '${id}': starting (${provider.kind})`).pipe(
          Effect.andThen(Effect.result(provider.start)),
          Effect.flatMap((result) =>
            Result.isSuccess(result)
              ? apply({ _tag: "Launched", attempt: command.attempt })
              : Effect.logWarning(result.failure.message).pipe(
                Effect.andThen(apply({ _tag: "StartFailed", attempt: command.attempt, detail: failureDetail(result.failure) }))
              )
          ),
          Effect.asVoid
        )
      case "Stop":
        return Effect.logInfo(`server '${id}': stopping (${provider.kind})`).pipe(
          Effect.andThen(Effect.result(provider.stop)),
          Effect.flatMap((result) =>
            Result.isSuccess(result)
              ? apply({ _tag: "StopFinished", ok: true, detail: "" })
              : Effect.logWarning(result.failure.message).pipe(
                Effect.andThen(apply({ _tag: "StopFinished", ok: false, detail: failureDetail(result.failure) }))
              )
          ),
          Effect.asVoid
        )
      case "Poll":
        return observe(true)
    }
  }

  let lastPollAt: number | undefined
  const observe = (force: boolean): Effect.Effect<void> =>
    Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const due = force || lastPollAt === undefined || now >= nextPollAt(machine, lastPollAt, settings)
      const report = due ? yield* poll : undefined
      if (due) lastPollAt = now
      const players = yield* options.players
      yield* apply({ _tag: "Observed", report, players })
    })

  /** Waits for a command until the next poll or idle check is due. */
  const nextCommand = Effect.gen(function*() {
    const now = yield* Clock.currentTimeMillis
    const pollAt = lastPollAt === undefined ? now : nextPollAt(machine, lastPollAt, settings)
    const wakeAt = Math.min(pollAt, nextIdleCheckAt(machine, now, settings) ?? Infinity)
    if (wakeAt <= now) return yield* Queue.poll(inbox)
    return yield* Queue.take(inbox).pipe(Effect.timeoutOption(Duration.millis(wakeAt - now)))
  })

  const monitor = Effect.gen(function*() {
    for (;;) {
      const command = yield* nextCommand
      yield* (Option.isSome(command) ? runCommand(command.value) : observe(false)).pipe(
        // A bug in a provider must not end the monitoring of this server silently.
        Effect.catchDefect((defect) => Effect.logError(`server '${id}': monitor step failed unexpectedly: ${String(defect)}`))
      )
    }
  })

  yield* publishGauge
  yield* Effect.forkIn(monitor, scope)
  // A server removed while players wait for it: they go on as if it were not managed.
  yield* Scope.addFinalizer(scope, Effect.suspend(() => Effect.forEach(waiters.values(), (w) => Deferred.succeed(w, notManaged), { discard: true })))

  const status = (): ServerStatus => ({ server: id, provider: provider.kind, state: machine.state, since: machine.since, detail: machine.detail })

  const ensureStarted: Effect.Effect<StartOutcome> = Effect.flatMap(apply({ _tag: "Wake" }), ({ joined, reply }) =>
    reply?._tag === "Now" ? Effect.succeed(reply.outcome) : joined !== undefined ? Deferred.await(joined) : Effect.succeed(notManaged)
  )

  const start: Effect.Effect<AdminResult> = Effect.map(apply({ _tag: "Wake" }), ({ from, reply, state }): AdminResult =>
    reply?._tag === "Now" && reply.outcome._tag === "Stopping"
      ? { _tag: "Refused", state, reason: reply.outcome.detail }
      : from === "starting" || from === "online"
      ? { _tag: "Unchanged", state }
      : { _tag: "Accepted", state })

  const stop: Effect.Effect<AdminResult> = Effect.map(apply({ _tag: "Stop" }), ({ reply, state }): AdminResult =>
    reply?._tag === "Accepted" ? { _tag: "Accepted", state } : { _tag: "Unchanged", state })

  const managed: ManagedServer = {
    id,
    status,
    ensureStarted,
    start,
    stop,
    setSettings: (next) => {
      settings = next
    }
  }
  return managed
})
