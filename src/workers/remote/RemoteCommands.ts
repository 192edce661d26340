/**
 * `Commands` in a worker thread: plugins register their commands in the coordinator, so a
 * session here asks it to run, complete or announce (one round trip each; commands are typed
 * by people, so this is never a hot path). A command runs in the coordinator, and its replies
 * come back to the player's session here as actions, like any plugin's message.
 */
import { Effect, Layer } from "effect"
import { Commands } from "../../command/Commands.ts"
import { WorkerChannel } from "../WorkerChannel.ts"

export const layer: Layer.Layer<Commands, never, WorkerChannel> = Layer.effect(
  Commands,
  Effect.map(WorkerChannel, ({ link }) =>
    Commands.of({
      run: (caller, line) => link.call("commands.run", { caller, line }),
      complete: (caller, line) => link.call("commands.complete", { caller, line }),
      announcement: (caller) => link.call("commands.announcement", caller)
    }))
)
