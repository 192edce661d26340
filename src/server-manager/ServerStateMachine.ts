/**
 * The lifecycle of one managed server as a pure function: (machine, event, now) → (machine,
 * actions). Everything that decides a state lives here; ManagedServer.ts only runs the actions
 * (provider calls, timers, waking waiters) and feeds back what happened as events.
 *
 * Invariants:
 * - at most one start attempt exists, and it exists exactly while the state is `starting`: every
 *   caller arriving meanwhile joins it, so a crowd of logins causes one provider start;
 * - every attempt ends with exactly one `Settle` (ready, crashed, timed out or stopping), so no
 *   waiter is left hanging; the deadline event guarantees it even when the provider never answers;
 * - a provider report taken before the start request was accepted cannot end the attempt (a
 *   local provider still remembers the previous crash, a panel still says "offline");
 * - an unknown report or a failed poll never changes the state: a flaky panel does not flap
 *   the MOTD.
 */
import { Duration } from "effect"
import { formatHumanDuration } from "../config/HumanDuration.ts"
import type { ProviderReport } from "./ServerProvider.ts"
import { ready, startFailure, type StartOutcome } from "./StartOutcome.ts"

export const managedStates = ["online", "sleeping", "starting", "stopping", "crashed", "unknown"] as const
export type ManagedState = typeof managedStates[number]

export interface MachineSettings {
  readonly startTimeoutMs: number
  /** Undefined: never stop for idleness. */
  readonly shutdownAfterMs: number | undefined
  /** After a stop request was accepted, how long a "running" report is not believed. */
  readonly stopTimeoutMs: number
  /** Poll period while a transition is pending (starting, stopping). */
  readonly pollFastMs: number
  /** Poll period otherwise. */
  readonly pollSlowMs: number
}

interface Attempt {
  readonly id: number
  readonly startedAt: number
  /** The provider accepted the start request (or the start was observed, not requested). */
  readonly launched: boolean
  /** The provider has reported `starting` since the launch. */
  readonly acknowledged: boolean
}

interface StopPlan {
  /** Where a completed stop leads: `crashed` when a failed start is being cleaned up. */
  readonly then: "sleeping" | "crashed"
  readonly previous: ManagedState
  readonly requestedAt: number
  /** The provider accepted the stop request (always true for a stop seen, not requested). */
  readonly accepted: boolean
}

export interface Machine {
  readonly state: ManagedState
  /** When the current state was entered (epoch ms). */
  readonly since: number
  /** Why the server is crashed or stopping, for admins. */
  readonly detail: string | undefined
  readonly attempt: Attempt | undefined
  readonly stop: StopPlan | undefined
  /** While online: the last time players were seen (or the time it came online). */
  readonly lastActive: number | undefined
  readonly attempts: number
}

export type MachineEvent =
  /** A login (ensureStarted) or an admin wants the server up. */
  | { readonly _tag: "Wake" }
  | { readonly _tag: "Launched"; readonly attempt: number }
  | { readonly _tag: "StartFailed"; readonly attempt: number; readonly detail: string }
  | { readonly _tag: "Deadline"; readonly attempt: number }
  /** An admin wants the server down. */
  | { readonly _tag: "Stop" }
  | { readonly _tag: "StopFinished"; readonly ok: boolean; readonly detail: string }
  /** A monitor tick: the provider's report (undefined if not polled or the poll failed) and the players. */
  | { readonly _tag: "Observed"; readonly report: ProviderReport | undefined; readonly players: number }

export type MachineAction =
  /** Call the provider's start, then report Launched or StartFailed. */
  | { readonly _tag: "Launch"; readonly attempt: number }
  /** Fire Deadline for this attempt after start_timeout. */
  | { readonly _tag: "Arm"; readonly attempt: number }
  /** Call the provider's stop, then report StopFinished. */
  | { readonly _tag: "RequestStop" }
  /** End the attempt's wait for every caller. */
  | { readonly _tag: "Settle"; readonly attempt: number; readonly startedAt: number; readonly outcome: StartOutcome }
  /** Poll the provider now instead of at the next tick. */
  | { readonly _tag: "PollNow" }

/** What a Wake or Stop means for the caller. */
export type Reply =
  | { readonly _tag: "Join"; readonly attempt: number }
  | { readonly _tag: "Now"; readonly outcome: StartOutcome }
  | { readonly _tag: "Accepted" }
  | { readonly _tag: "Unchanged" }

export interface Step {
  readonly machine: Machine
  readonly actions: ReadonlyArray<MachineAction>
  readonly reply?: Reply | undefined
}

/** Until the first poll nothing is known. */
export const initialMachine = (now: number): Machine => ({
  state: "unknown",
  since: now,
  detail: undefined,
  attempt: undefined,
  stop: undefined,
  lastActive: undefined,
  attempts: 0
})

/** A duration the way config files write it ("1m", "1m 30s"), for details. */
export const describeMs = (ms: number): string => formatHumanDuration(Duration.millis(ms))

/** Enters `state` (keeping `since` when it is already the state) with the per-state fields reset. */
const enter = (m: Machine, state: ManagedState, now: number, fields: Partial<Machine> = {}): Machine => ({
  ...m,
  state,
  since: state === m.state ? m.since : now,
  detail: undefined,
  attempt: undefined,
  stop: undefined,
  lastActive: undefined,
  ...fields
})

const step = (machine: Machine, actions: ReadonlyArray<MachineAction> = [], reply?: Reply): Step => ({ machine, actions, reply })

const settle = (attempt: Attempt, outcome: StartOutcome): MachineAction => ({
  _tag: "Settle",
  attempt: attempt.id,
  startedAt: attempt.startedAt,
  outcome
})

const crashed = (m: Machine, attempt: Attempt, now: number, detail: string): Step =>
  step(enter(m, "crashed", now, { detail }), [settle(attempt, startFailure("Crashed", detail))])

/** A start seen (someone used the panel, or the process restarted by itself): waiters may join, the deadline applies. */
const observedStart = (m: Machine, now: number): Step => {
  const attempt: Attempt = { id: m.attempts + 1, startedAt: now, launched: true, acknowledged: true }
  return step(enter(m, "starting", now, { attempt, attempts: attempt.id }), [{ _tag: "Arm", attempt: attempt.id }])
}

const beginStop = (m: Machine, now: number, then: StopPlan["then"], detail: string): Machine =>
  enter(m, "stopping", now, { detail, stop: { then, previous: m.state, requestedAt: now, accepted: false } })

const wake = (m: Machine, now: number): Step => {
  switch (m.state) {
    case "online":
      return step(m, [], { _tag: "Now", outcome: ready })
    case "starting":
      return step(m, [], { _tag: "Join", attempt: m.attempt!.id })
    case "stopping":
      return step(m, [], { _tag: "Now", outcome: startFailure("Stopping", m.detail ?? "the server is stopping") })
    default: {
      const attempt: Attempt = { id: m.attempts + 1, startedAt: now, launched: false, acknowledged: false }
      return step(
        enter(m, "starting", now, { attempt, attempts: attempt.id }),
        [{ _tag: "Launch", attempt: attempt.id }, { _tag: "Arm", attempt: attempt.id }],
        { _tag: "Join", attempt: attempt.id }
      )
    }
  }
}

const adminStop = (m: Machine, now: number): Step => {
  if (m.state === "sleeping" || m.state === "stopping") return step(m, [], { _tag: "Unchanged" })
  const actions: Array<MachineAction> = [{ _tag: "RequestStop" }]
  if (m.attempt !== undefined) actions.push(settle(m.attempt, startFailure("Stopping", "stopped by an admin while starting")))
  return step(beginStop(m, now, "sleeping", "stopped by an admin"), actions, { _tag: "Accepted" })
}

const stopFinished = (m: Machine, ok: boolean, detail: string, now: number): Step => {
  const plan = m.stop
  if (m.state !== "stopping" || plan === undefined) return step(m)
  if (ok) return step({ ...m, stop: { ...plan, accepted: true } }, [{ _tag: "PollNow" }])
  // The stop failed: a failed start stays crashed; an idle server stays online and is retried
  // after another idle period; anything else is unknown until the next poll says.
  if (plan.then === "crashed") return step(enter(m, "crashed", now, { detail: m.detail }), [{ _tag: "PollNow" }])
  if (plan.previous === "online") return step(enter(m, "online", now, { lastActive: now }), [{ _tag: "PollNow" }])
  return step(enter(m, "unknown", now, { detail: `stop failed: ${detail}` }), [{ _tag: "PollNow" }])
}

/** The state a report means for a server at rest (online, sleeping, crashed, unknown). */
const atRest = (m: Machine, report: ProviderReport, now: number): Step => {
  switch (report.state) {
    case "running":
      return m.state === "online" ? step(m) : step(enter(m, "online", now, { lastActive: now }))
    case "starting":
      return observedStart(m, now)
    case "unknown":
      return step(m)
    case "stopped":
      // A crash stays visible until someone starts the server again.
      return m.state === "crashed" ? step(m) : step(enter(m, "sleeping", now))
    case "stopping":
      if (m.state === "crashed") return step(m)
      return step(enter(m, "stopping", now, {
        detail: "stopping outside the proxy",
        stop: { then: "sleeping", previous: m.state, requestedAt: now, accepted: true }
      }))
    case "crashed":
      return step(enter(m, "crashed", now, { detail: report.detail ?? m.detail ?? "the server exited" }))
  }
}

const whileStarting = (m: Machine, attempt: Attempt, report: ProviderReport, now: number): Step => {
  // Reports taken before the start was accepted describe the previous run.
  if (!attempt.launched) return step(m)
  switch (report.state) {
    case "running":
      return step(enter(m, "online", now, { lastActive: now }), [settle(attempt, ready)])
    case "starting":
      return attempt.acknowledged ? step(m) : step({ ...m, attempt: { ...attempt, acknowledged: true } })
    case "crashed":
      return crashed(m, attempt, now, report.detail ?? "the server exited while starting")
    case "stopped":
      // A panel lags behind a start request; "stopped" only means a crash once it said "starting".
      return attempt.acknowledged ? crashed(m, attempt, now, "the server stopped while starting") : step(m)
    default:
      return step(m)
  }
}

const whileStopping = (m: Machine, plan: StopPlan, report: ProviderReport, now: number, settings: MachineSettings): Step => {
  switch (report.state) {
    case "stopped":
    case "crashed":
      return step(enter(m, plan.then, now, plan.then === "crashed" ? { detail: m.detail } : {}))
    case "running":
      // A panel that ignored the stop: believe it once the stop had time to happen.
      return plan.accepted && now - plan.requestedAt >= settings.stopTimeoutMs
        ? step(enter(m, "online", now, { lastActive: now }))
        : step(m)
    default:
      return step(m)
  }
}

/** Idle accounting for an online server: players keep it up, `shutdown_after` without any stops it. */
const idle = (s: Step, players: number, now: number, settings: MachineSettings): Step => {
  const m = s.machine
  if (m.state !== "online") return s
  if (players > 0 || m.lastActive === undefined) return { ...s, machine: { ...m, lastActive: now } }
  if (settings.shutdownAfterMs === undefined || now - m.lastActive < settings.shutdownAfterMs) return s
  const detail = `no players for ${describeMs(settings.shutdownAfterMs)}`
  return { ...s, machine: beginStop(m, now, "sleeping", detail), actions: [...s.actions, { _tag: "RequestStop" }] }
}

const observed = (m: Machine, report: ProviderReport | undefined, players: number, now: number, settings: MachineSettings): Step => {
  let s: Step = step(m)
  if (report !== undefined) {
    if (m.state === "starting" && m.attempt !== undefined) s = whileStarting(m, m.attempt, report, now)
    else if (m.state === "stopping" && m.stop !== undefined) s = whileStopping(m, m.stop, report, now, settings)
    else s = atRest(m, report, now)
  }
  return idle(s, players, now, settings)
}

/** The transition function. */
export const transition = (m: Machine, event: MachineEvent, now: number, settings: MachineSettings): Step => {
  switch (event._tag) {
    case "Wake":
      return wake(m, now)
    case "Stop":
      return adminStop(m, now)
    case "Launched":
      return m.attempt?.id === event.attempt
        ? step({ ...m, attempt: { ...m.attempt, launched: true } }, [{ _tag: "PollNow" }])
        : step(m)
    case "StartFailed":
      return m.attempt?.id === event.attempt ? crashed(m, m.attempt, now, event.detail) : step(m)
    case "Deadline": {
      const attempt = m.attempt
      if (attempt?.id !== event.attempt) return step(m)
      const detail = `not ready within ${describeMs(settings.startTimeoutMs)}`
      return step(beginStop(m, now, "crashed", detail), [settle(attempt, startFailure("TimedOut", detail)), { _tag: "RequestStop" }])
    }
    case "StopFinished":
      return stopFinished(m, event.ok, event.detail, now)
    case "Observed":
      return observed(m, event.report, event.players, now, settings)
  }
}

/** How long the monitor may sleep after a poll at `lastPollAt`: fast while a transition is pending. */
export const nextPollAt = (m: Machine, lastPollAt: number, settings: MachineSettings): number =>
  lastPollAt + (m.state === "starting" || m.state === "stopping" ? settings.pollFastMs : settings.pollSlowMs)

/** Players are counted at least this often while an online server may go idle (Sessions is local and cheap). */
export const IDLE_SAMPLE_MS = 5_000

/** When the monitor must look at the players again, or undefined if idleness does not matter now. */
export const nextIdleCheckAt = (m: Machine, now: number, settings: MachineSettings): number | undefined => {
  if (m.state !== "online" || settings.shutdownAfterMs === undefined) return undefined
  const deadline = (m.lastActive ?? now) + settings.shutdownAfterMs
  return Math.max(now, Math.min(now + IDLE_SAMPLE_MS, deadline))
}
