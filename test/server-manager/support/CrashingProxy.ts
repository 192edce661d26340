/**
 * A proxy that dies the hard way, for the orphan test: it runs the server manager over the
 * servers directory given as its argument, starts the server "survival", prints
 * `OUTCOME <tag>`, then throws an exception outside any Effect, so the process exits without
 * running a single finalizer.
 *
 *   node CrashingProxy.ts <servers dir>
 */
import { Effect } from "effect"
import { ServerManager } from "../../../src/server-manager/ServerManager.ts"
import { managerLayer } from "./Stack.ts"

const dir = process.argv[2]
if (dir === undefined) throw new Error("usage: CrashingProxy.ts <servers dir>")

Effect.runFork(
  Effect.gen(function*() {
    const manager = yield* ServerManager
    const outcome = yield* manager.ensureStarted("survival")
    console.log(`OUTCOME ${outcome._tag}`)
    setTimeout(() => {
      throw new Error("simulated proxy crash")
    }, 0)
    return yield* Effect.never
  }).pipe(Effect.provide(managerLayer(dir)))
)
