/**
 * How many data-plane workers `worker_threads` asks for, and whether the platform allows them.
 *
 * `0` means one worker per CPU core (`os.availableParallelism()`), except on machines with at
 * most {@link SINGLE_PROCESS_MAX_CORES} cores, where one process is faster: measured on 2 cores,
 * one process beat 2 workers in every figure (status pings and logins per second, CPU and
 * latency per connection, memory; docs/workers.md), since each ping and login pays thread hops
 * to the coordinator and the threads compete for the same two cores. `N` means N. Workers share
 * the listening port through SO_REUSEPORT, which Node supports on Linux only; without it, or
 * when the answer is one worker, the proxy runs in one process exactly as it always did.
 */
import { Effect, FileSystem, Result } from "effect"
import { availableParallelism } from "node:os"
import * as NodePath from "node:path"
import { fileStem, parseServerConfig } from "../config/ConfigLoader.ts"
import { reusePortSupported } from "../connection/Listener.ts"

export type WorkerPlan =
  | {
    readonly _tag: "Single"
    readonly requested: number
    /** Why not the workers asked for (a warning). */
    readonly reason: string | undefined
    /** Why the default chose one process (an info line). */
    readonly note?: string
  }
  | { readonly _tag: "Workers"; readonly count: number; readonly requested: number }

/** More threads than this are a configuration mistake, not a tuning choice. */
const MAX_WORKERS = 256
/** `worker_threads = 0` on this many cores or fewer: one process (measured faster, see above). */
export const SINGLE_PROCESS_MAX_CORES = 2

export const planWorkers = (
  requested: number,
  platform: { readonly cores: number; readonly reusePort: boolean } = {
    cores: availableParallelism(),
    reusePort: reusePortSupported()
  },
  /** Some server file lists `limbo_handlers` (see {@link usesLimboHandlers}). */
  limboHandlers = false
): WorkerPlan => {
  if (requested === 0 && platform.cores > 1 && platform.cores <= SINGLE_PROCESS_MAX_CORES) {
    return {
      _tag: "Single",
      requested,
      reason: undefined,
      note: `worker_threads = 0 on ${platform.cores} CPU cores: one process (faster than data-plane workers on ${SINGLE_PROCESS_MAX_CORES} cores or fewer; see docs/workers.md)`
    }
  }
  const count = Math.min(requested === 0 ? platform.cores : requested, MAX_WORKERS)
  if (count <= 1) return { _tag: "Single", requested, reason: undefined }
  // Limbo handlers are plugins' code, which runs in the main thread: a worker's limbo has none.
  // The default follows the network's needs; an explicit count is the admin's choice.
  if (limboHandlers && requested === 0) {
    return {
      _tag: "Single",
      requested,
      reason: `worker_threads = 0: servers list limbo_handlers, which run only in the main thread: running in one process (set worker_threads to force workers; logins that need a limbo handler are then refused)`
    }
  }
  if (!platform.reusePort) {
    return {
      _tag: "Single",
      requested,
      reason: `worker_threads = ${requested} asks for ${count} workers, but SO_REUSEPORT is not supported on ${process.platform}: running in one process`
    }
  }
  return { _tag: "Workers", count, requested }
}

/** The start-up line for a plan with workers. */
export const describePlan = (plan: Extract<WorkerPlan, { _tag: "Workers" }>): string =>
  plan.requested === 0
    ? `worker_threads = 0: ${plan.count} data-plane workers (one per CPU core) share the port`
    : `worker_threads = ${plan.requested}: ${plan.count} data-plane workers share the port`

/** Whether a server file in `dir` lists limbo handlers (unreadable files count as none: they load later or not at all). */
export const usesLimboHandlers = (dir: string): Effect.Effect<boolean, never, FileSystem.FileSystem> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const names = yield* fs.readDirectory(dir).pipe(Effect.orElseSucceed(() => [] as Array<string>))
    for (const name of names.filter((n) => n.endsWith(".toml"))) {
      const path = NodePath.join(dir, name)
      const text = yield* fs.readFileString(path).pipe(Effect.orElseSucceed(() => ""))
      const parsed = parseServerConfig(text, path, fileStem(path))
      if (Result.isSuccess(parsed) && parsed.success.config.limboHandlers.length > 0) return true
    }
    return false
  })
