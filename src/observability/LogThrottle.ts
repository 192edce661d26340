/**
 * Keeps lines a peer can trigger at will (refusals, PROXY mismatches, unknown domains, banned
 * addresses) from flooding the log, whatever the number of source addresses.
 *
 * A subject is `"<kind>|<source>"` (text before the first `|` is the kind; a subject without
 * one is a kind of its own). Per kind and per {@link THROTTLE_WINDOW_MS} window, the first
 * {@link LOUD_PER_KIND} distinct subjects keep their level and everything after drops to Debug;
 * when the window ends, one summary line at the kind's level counts what was held back:
 *
 *   `login for unknown domain: … and 19,873 more from 19,873 address(es) in the last minute`
 *
 * An attacker controls how often these events happen, never how many lines an operator reads
 * at Info and above: at most {@link LOUD_PER_KIND} + 1 per kind a minute. Memory is bounded:
 * each kind counts at most {@link MAX_SUBJECTS} distinct sources (beyond that it counts lines
 * only, and says "at least"), and at most {@link MAX_KINDS} kinds are tracked at once.
 */
import { Clock, Context, Effect, Layer, type LogLevel, References, Schedule } from "effect"

export const THROTTLE_WINDOW_MS = 60_000
/** Lines per kind per window that keep their level. */
export const LOUD_PER_KIND = 5
/** Distinct sources counted per kind per window. */
export const MAX_SUBJECTS = 10_000
/** Kinds are a fixed vocabulary in the code; the bound only guards a mistake. */
export const MAX_KINDS = 256
/** How often ended windows are looked for, so a summary follows its flood within seconds. */
const FLUSH_EVERY_MS = 10_000

interface KindWindow {
  readonly started: number
  readonly loud: Set<string>
  level: LogLevel.Severity
  held: number
  readonly sources: Set<string>
}

const kindOf = (subject: string): { readonly kind: string; readonly source: string } => {
  const bar = subject.indexOf("|")
  return bar < 0 ? { kind: subject, source: subject } : { kind: subject.slice(0, bar), source: subject.slice(bar + 1) }
}

const summaryOf = (kind: string, w: KindWindow, now: number): string => {
  const minutes = Math.max(1, Math.round((now - w.started) / 60_000))
  const sources = w.sources.size >= MAX_SUBJECTS ? `at least ${MAX_SUBJECTS.toLocaleString("en-US")}` : w.sources.size.toLocaleString("en-US")
  return `${kind}: … and ${w.held.toLocaleString("en-US")} more from ${sources} address(es) in the last ${minutes === 1 ? "minute" : `${minutes} minutes`}`
}

export class LogThrottle extends Context.Service<LogThrottle, {
  /** `loud` while the subject's kind has lines left in this window and the subject was not reported yet, else "Debug". */
  readonly level: (subject: string, loud: LogLevel.Severity) => Effect.Effect<LogLevel.Severity>
  /** Writes the summary of every window that ended (a background fiber does this each window). */
  readonly flush: Effect.Effect<void>
}>()("infrarust/observability/LogThrottle") {
  static readonly make = Effect.gen(function*() {
    const windows = new Map<string, KindWindow>()

    /** Closes `kind`'s window: its summary line, when lines were held back. */
    const close = (kind: string, w: KindWindow, now: number): Effect.Effect<void> => {
      windows.delete(kind)
      // Written from whichever connection ended the window: without that connection's annotations.
      return w.held === 0
        ? Effect.void
        : Effect.logWithLevel(w.level)(summaryOf(kind, w, now)).pipe(Effect.provideService(References.CurrentLogAnnotations, {}))
    }

    const flush = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      for (const [kind, w] of [...windows]) {
        if (now - w.started >= THROTTLE_WINDOW_MS) yield* close(kind, w, now)
      }
    })

    const level = (subject: string, loud: LogLevel.Severity): Effect.Effect<LogLevel.Severity> =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const { kind, source } = kindOf(subject)
        let w = windows.get(kind)
        if (w !== undefined && now - w.started >= THROTTLE_WINDOW_MS) {
          yield* close(kind, w, now)
          w = undefined
        }
        if (w === undefined) {
          if (windows.size >= MAX_KINDS) {
            const [oldestKind, oldest] = windows.entries().next().value!
            yield* close(oldestKind, oldest, now)
          }
          w = { started: now, loud: new Set(), level: loud, held: 0, sources: new Set() }
          windows.set(kind, w)
        }
        if (!w.loud.has(subject) && w.loud.size < LOUD_PER_KIND) {
          w.loud.add(subject)
          return loud
        }
        w.held++
        if (w.sources.size < MAX_SUBJECTS) w.sources.add(source)
        return "Debug"
      })

    yield* flush.pipe(Effect.repeat(Schedule.spaced(FLUSH_EVERY_MS)), Effect.delay(FLUSH_EVERY_MS), Effect.forkScoped)
    return LogThrottle.of({ level, flush })
  })

  static readonly layer = Layer.effect(LogThrottle, LogThrottle.make)
}
