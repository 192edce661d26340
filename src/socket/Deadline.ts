/**
 * Waiting for a Node event under a deadline, with one timer and no extra fiber.
 *
 * `Effect.timeout*` races the wait against a sleeping fiber: two forked fibers, their scopes and
 * observers for every bounded wait. A status ping or a login waits under a deadline three to
 * five times (handshake, status request, ping, backend connect, first byte, close), so the race
 * was a large share of what a connection cost (docs/performance.md, "Where the cost goes").
 * Here the deadline is a plain `setTimeout` cleared by whichever side settles first, as Node's own
 * socket timeouts are; an interruption clears it too.
 */
import { Duration, Effect } from "effect"

/**
 * Like `Effect.callback`: `register` starts the wait and may return its cleanup (listeners to
 * remove), called when the deadline or an interruption ends the wait first. When `register`
 * settles synchronously no timer is made. A zero or infinite `timeout` waits without a deadline.
 */
export const callbackWithin = <A, E, A2, E2>(
  register: (resume: (effect: Effect.Effect<A, E>) => void) => (() => void) | void,
  timeout: Duration.Input,
  onTimeout: () => Effect.Effect<A2, E2>
): Effect.Effect<A | A2, E | E2> =>
  Effect.callback<A | A2, E | E2>((resume) => {
    let settled = false
    let timer: NodeJS.Timeout | undefined
    const settle = (effect: Effect.Effect<A | A2, E | E2>) => {
      if (settled) return
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      resume(effect)
    }
    const cleanup = register(settle)
    if (settled) return
    const ms = Duration.toMillis(timeout)
    if (ms > 0 && Number.isFinite(ms)) {
      timer = setTimeout(() => {
        cleanup?.()
        settle(onTimeout())
      }, ms)
    }
    return Effect.sync(() => {
      settled = true
      if (timer !== undefined) clearTimeout(timer)
      cleanup?.()
    })
  })
