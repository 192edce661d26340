/**
 * One timer for every relayed session's idle and stall checks.
 *
 * Per-chunk timers would put work on the hot path; instead each session registers a
 * `Watched` whose `check` compares the sockets' byte counters with the previous sample.
 * A tick costs one call per live session (10,000 sessions ≈ well under a millisecond).
 */
import { Clock, Context, Duration, Effect, Layer, Schedule } from "effect"

export interface Watched {
  /** Called once when registered, with the current time in ms. */
  readonly start: (now: number) => void
  /** Called every tick; ends the session itself when a limit is passed. */
  readonly check: (now: number) => void
}

/** Granularity of idle and stall timeouts. */
const IDLE_TICK = Duration.millis(250)

export class IdleWatch extends Context.Service<IdleWatch, {
  /** Registers `w` until {@link remove}. */
  readonly add: (w: Watched) => void
  /** Unregisters `w` (idempotent). The holder keeps `w` itself: no function per registration. */
  readonly remove: (w: Watched) => void
}>()("infrarust/relay/IdleWatch") {
  static readonly layer = Layer.effect(
    IdleWatch,
    Effect.gen(function*() {
      const watched = new Set<Watched>()
      const clock = yield* Clock.Clock
      yield* Effect.sync(() => {
        const now = clock.currentTimeMillisUnsafe()
        for (const w of watched) w.check(now)
      }).pipe(Effect.repeat(Schedule.spaced(IDLE_TICK)), Effect.forkScoped)
      return IdleWatch.of({
        add: (w) => {
          w.start(clock.currentTimeMillisUnsafe())
          watched.add(w)
        },
        remove: (w) => {
          watched.delete(w)
        }
      })
    })
  )
}
