/**
 * The last line of defence against orphaned server processes: if the proxy exits without
 * running its finalizers (an uncaught exception ends the process), one synchronous `exit` hook
 * SIGKILLs every process group still tracked. Normal shutdowns never get here: scopes stop the
 * processes gracefully first and untrack them.
 *
 * One hook for all local servers (not one per process, which would trip Node's listener-count
 * warning beyond ten servers); it is removed when the owning scope closes.
 */
import { Effect, Result, Scope } from "effect"

export interface ExitGuard {
  /** Tracks the process group led by `pid` until the current scope closes. */
  readonly track: (pid: number) => Effect.Effect<void, never, Scope.Scope>
}

export const makeExitGuard: Effect.Effect<ExitGuard, never, Scope.Scope> = Effect.gen(function*() {
  const groups = new Set<number>()
  const killAll = () => {
    for (const pid of groups) Result.try(() => process.kill(-pid, "SIGKILL"))
  }
  yield* Effect.acquireRelease(Effect.sync(() => process.on("exit", killAll)), () => Effect.sync(() => process.off("exit", killAll)))
  return {
    track: (pid) =>
      Effect.gen(function*() {
        const scope = yield* Scope.Scope
        groups.add(pid)
        yield* Scope.addFinalizer(scope, Effect.sync(() => groups.delete(pid)))
      })
  }
})
