/**
 * The health of one backend as a pure state machine: consecutive failures take it out of
 * rotation, consecutive successes bring it back. Health checks and failed login connects both
 * feed it observations; the Balancer owns one state per (server, backend) and logs the
 * transitions this module reports.
 *
 * Invariant: a transition is reported exactly once per change of `healthy`, so a backend that
 * keeps failing produces one "down" line, not one line per failed probe.
 */

export interface Thresholds {
  /** Consecutive failures before a healthy backend is taken out of rotation. */
  readonly unhealthyAfter: number
  /** Consecutive successes before an unhealthy backend is used again. */
  readonly healthyAfter: number
}

export interface HealthState {
  readonly healthy: boolean
  /** Consecutive failed observations (reset by a success). */
  readonly failures: number
  /** Consecutive successful observations while unhealthy (reset by a failure). */
  readonly successes: number
  /** Why the last observation failed, for logs and the admin API. */
  readonly lastFailure: string | undefined
  /** Clock millis of the last failed observation. */
  readonly lastFailureAt: number | undefined
  /** Clock millis of the last transition (or of the first sighting). */
  readonly since: number
}

export type Observation =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: string }

export type Transition = "down" | "up" | undefined

/** A backend seen for the first time is in rotation: "an added address enters rotation at once". */
export const initialHealth = (now: number): HealthState => ({
  healthy: true,
  failures: 0,
  successes: 0,
  lastFailure: undefined,
  lastFailureAt: undefined,
  since: now
})

export const observe = (
  state: HealthState,
  observation: Observation,
  thresholds: Thresholds,
  now: number
): { readonly state: HealthState; readonly transition: Transition } => {
  if (observation.ok) {
    if (state.healthy) {
      return { state: state.failures === 0 ? state : { ...state, failures: 0 }, transition: undefined }
    }
    const successes = state.successes + 1
    if (successes >= thresholds.healthyAfter) {
      return { state: { ...state, healthy: true, failures: 0, successes: 0, since: now }, transition: "up" }
    }
    return { state: { ...state, failures: 0, successes }, transition: undefined }
  }
  const failures = state.failures + 1
  const failed = { ...state, failures, successes: 0, lastFailure: observation.reason, lastFailureAt: now }
  if (state.healthy && failures >= thresholds.unhealthyAfter) {
    return { state: { ...failed, healthy: false, since: now }, transition: "down" }
  }
  return { state: failed, transition: undefined }
}

/**
 * Whether a backend takes new players. Healthy ones do; with passive health (no
 * `[health_check]`), an unhealthy one is offered again once `retryAfterMs` has passed since its
 * last failure, so the next login through it decides (a circuit breaker's half-open state).
 */
export const inRotation = (state: HealthState | undefined, now: number, retryAfterMs: number | undefined): boolean =>
  state === undefined ||
  state.healthy ||
  (retryAfterMs !== undefined && now - (state.lastFailureAt ?? 0) >= retryAfterMs)
