/**
 * Entry point of a data-plane worker thread (started by the coordinator, Coordinator.ts): runs
 * the worker's layer until the coordinator says `stop`, then closes it — the listener stops
 * accepting and drains its connections for `shutdown_timeout` — and ends the thread.
 *
 * Like main.ts, this file runs an Effect. A failure to start (the port cannot be bound) is
 * reported to the coordinator as `fatal` before the thread exits with code 1; an unexpected
 * end after start-up is a crash the coordinator logs and restarts.
 */
import { Cause, Context, Deferred, Effect, Exit, Layer } from "effect"
import { parentPort, workerData } from "node:worker_threads"
import { castOver, encodeFailure } from "./Link.ts"
import type { WorkerCasts, WorkerData } from "./Ops.ts"
import { WorkerChannel } from "./WorkerChannel.ts"
import { workerLayer } from "./WorkerLayer.ts"
import { workerLogging } from "./WorkerLogs.ts"

const data = workerData as WorkerData
const port = parentPort!

const program = Effect.gen(function*() {
  const context = yield* Layer.build(workerLayer(data))
  yield* Deferred.await(Context.get(context, WorkerChannel).stop)
}).pipe(
  Effect.scoped,
  Effect.provide(workerLogging(data.logs, port, data.index))
)

Effect.runFork(program).addObserver((exit) => {
  if (Exit.isFailure(exit) && !Cause.hasInterruptsOnly(exit.cause)) {
    const error = Cause.squash(exit.cause) as { readonly message?: unknown } | null | undefined
    const fatal: WorkerCasts["fatal"] = {
      failure: encodeFailure(exit.cause),
      message: typeof error?.message === "string" ? error.message : String(error)
    }
    castOver(port, "fatal", fatal)
  }
  // After the microtasks that send the last batched messages (the final metrics snapshot, the
  // last log lines, the fatal report).
  const stopped = Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause)
  setImmediate(() => process.exit(stopped ? 0 : 1))
})
