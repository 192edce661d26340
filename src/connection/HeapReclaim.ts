/**
 * Gives the memory of a connection flood back once the flood is over (issue 20: back to idle
 * within 30 s).
 *
 * Why it is needed: thousands of half-open connections leave their objects in the old
 * generation, and V8 only collects it when something allocates. After a flood nothing does (the
 * proxy is idle again), so the dead connections, and the young generation the flood grew
 * (64 MB per thread here), stay resident for minutes. Measured (bench flood phase, 5,000
 * slowloris connections, 2 workers): RSS stayed at its peak for the whole minute it was
 * watched; one full collection per thread brought it below the pre-flood idle within a second.
 *
 * The rule, per thread (pure, {@link reclaimStep}): when at least {@link RECLAIM_DROP}
 * connections have gone since the highest count seen since the last collection, and the count
 * has stopped falling fast, run one full collection; at most one per {@link MIN_INTERVAL}.
 * Ordinary traffic never gets near the threshold, so this costs nothing but a counter read a
 * second; a flood costs one pause of a few tens of milliseconds when it ends.
 *
 * No collection at start-up: it would make the idle figure smaller (400 → 230 MiB with 2
 * workers) only until the first burst of traffic grows the young generation back, which is the
 * size the proxy really runs at.
 */
import { Duration, Effect, Schedule } from "effect"
import * as v8 from "node:v8"
import * as vm from "node:vm"

/** Connections that must have gone since the high-water mark before a collection pays. */
export const RECLAIM_DROP = 1000
/** How often the count is read. */
const SAMPLE = Duration.seconds(1)
/** Collections are this far apart at least, whatever the traffic does. */
export const MIN_INTERVAL = 10_000

export interface ReclaimState {
  /** The highest count seen since the last collection. */
  readonly peak: number
  /** The count at the previous sample. */
  readonly last: number
  /** When the last collection ran (ms; -Infinity before the first). */
  readonly lastRun: number
}

export const initialReclaim: ReclaimState = { peak: 0, last: 0, lastRun: Number.NEGATIVE_INFINITY }

/** One sample: the next state, and whether to collect now. */
export const reclaimStep = (state: ReclaimState, live: number, now: number): { readonly state: ReclaimState; readonly collect: boolean } => {
  const peak = Math.max(state.peak, live)
  // Still falling by more than a tenth of the threshold a second: the flood is being torn down.
  const settling = state.last - live > RECLAIM_DROP / 10
  const collect = peak - live >= RECLAIM_DROP && !settling && now - state.lastRun >= MIN_INTERVAL
  return { state: collect ? { peak: live, last: live, lastRun: now } : { peak, last: live, lastRun: state.lastRun }, collect }
}

/**
 * This thread's full collection. V8 exposes it only behind `--expose-gc`; the flag is set at run
 * time (it only adds the `gc` function to new contexts) and read from a fresh context, so the
 * proxy's own global is left alone. Undefined if the runtime does not offer it.
 */
const fullCollection = (): (() => void) | undefined => {
  v8.setFlagsFromString("--expose-gc")
  const gc: unknown = vm.runInNewContext("typeof gc === 'function' ? gc : undefined")
  if (typeof gc !== "function") return undefined
  // "last-resort" is the collection that also shrinks the young generation back (a regular one
  // empties it but keeps its pages).
  return () => {
    ;(gc as (options: object) => void)({ type: "major", execution: "sync", flavor: "last-resort" })
  }
}

/** Follows `connections` (this thread's live count) for the scope's lifetime. */
export const reclaimAfterFloods = (connections: () => number) =>
  Effect.gen(function*() {
    const gc = fullCollection()
    if (gc === undefined) return
    let state = initialReclaim
    const sample = Effect.clockWith((clock) =>
      Effect.sync(() => {
        const step = reclaimStep(state, connections(), clock.currentTimeMillisUnsafe())
        state = step.state
        if (step.collect) gc()
      })
    )
    yield* sample.pipe(Effect.repeat(Schedule.spaced(SAMPLE)), Effect.asVoid, Effect.forkScoped)
  })
