/**
 * Watching a directory (optionally one file in it) and running a reload when it changes, as the
 * config file, the servers directory and the ban list do.
 *
 * A single file is watched through its directory, filtered by name, because editors save by
 * writing a new file and renaming it over the old one. Events are debounced (a save comes in
 * several steps). A failed watcher (e.g. the directory was replaced) is logged and started
 * again after {@link REWATCH_DELAY}.
 */
import { Deferred, type Duration, Effect, type FileSystem, Schedule, Stream } from "effect"
import type { PlatformError } from "effect/PlatformError"
import * as NodePath from "node:path"

/** Pause before watching again after the watcher failed. */
const REWATCH_DELAY = "5 seconds"
/** Bounded: if the platform never reports readiness, go on rather than hang start-up. */
const READY_TIMEOUT = "2 seconds"

export interface WatchOptions<R> {
  /** Only events for this file name in the directory; absent = every event. */
  readonly fileName?: string | undefined
  readonly debounce: Duration.Input
  /** Runs after each (debounced) change. */
  readonly onChange: Effect.Effect<void, never, R>
  /** Start of the failure message: `${what} failed (reason); retrying`. */
  readonly what: string
  /** How a failure is logged, e.g. `Effect.logError`. */
  readonly log: (message: string) => Effect.Effect<void>
}

/**
 * Starts watching `directory` with `start` (e.g. `Effect.forkScoped`) and waits, at most
 * {@link READY_TIMEOUT}, until the watcher is installed, so a change made after this returns
 * is seen.
 */
export const watchDirectory = <R, R2>(
  fs: FileSystem.FileSystem,
  directory: string,
  options: WatchOptions<R>,
  start: (watch: Effect.Effect<void, PlatformError, R>) => Effect.Effect<unknown, never, R2>
): Effect.Effect<void, never, R2> =>
  Effect.gen(function*() {
    const ready = yield* Deferred.make<void>()
    const events = fs.watch(directory, { onReady: () => Deferred.doneUnsafe(ready, Effect.void) })
    const { fileName } = options
    yield* start(
      (fileName === undefined ? events : Stream.filter(events, (event) => NodePath.basename(event.path) === fileName)).pipe(
        Stream.debounce(options.debounce),
        Stream.runForEach(() => options.onChange),
        Effect.tapError((e) => options.log(`${options.what} failed (${e.message}); retrying`)),
        Effect.retry(Schedule.spaced(REWATCH_DELAY))
      )
    )
    yield* Deferred.await(ready).pipe(Effect.timeoutOption(READY_TIMEOUT))
  })
