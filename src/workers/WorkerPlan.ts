/**
 * How many data-plane workers `worker_threads` asks for, and whether the platform allows them.
 *
 * `0` means one worker per CPU core (`os.availableParallelism()`), `N` means N. Workers share
 * the listening port through SO_REUSEPORT, which Node supports on Linux only; without it, or
 * when the answer is one worker, the proxy runs in one process exactly as it always did.
 */
import { availableParallelism } from "node:os"
import { reusePortSupported } from "../connection/Listener.ts"

export type WorkerPlan =
  | { readonly _tag: "Single"; readonly requested: number; readonly reason: string | undefined }
  | { readonly _tag: "Workers"; readonly count: number; readonly requested: number }

/** More threads than this are a configuration mistake, not a tuning choice. */
const MAX_WORKERS = 256

export const planWorkers = (
  requested: number,
  platform: { readonly cores: number; readonly reusePort: boolean } = {
    cores: availableParallelism(),
    reusePort: reusePortSupported()
  }
): WorkerPlan => {
  const count = Math.min(requested === 0 ? platform.cores : requested, MAX_WORKERS)
  if (count <= 1) return { _tag: "Single", requested, reason: undefined }
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
