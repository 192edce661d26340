/**
 * `ServerWake` in a worker thread: the coordinator owns every managed server (one process
 * starts it, however many workers take logins for it) and answers when it is up or has failed.
 */
import { Effect, Layer } from "effect"
import { ServerWake } from "../../server-manager/ServerWake.ts"
import { WorkerChannel } from "../WorkerChannel.ts"

export const layer: Layer.Layer<ServerWake, never, WorkerChannel> = Layer.effect(
  ServerWake,
  Effect.gen(function*() {
    const { link } = yield* WorkerChannel
    return ServerWake.of({
      ensureStarted: (id) => link.call("manager.ensureStarted", id)
    })
  })
)
