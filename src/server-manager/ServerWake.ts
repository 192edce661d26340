/**
 * What a login needs of the server manager: "start this server if it sleeps, and tell me when I
 * may connect". Narrower than ServerManager so worker threads can have it too: there the
 * coordinator's manager answers over the worker link (src/workers/remote/RemoteWake.ts), since
 * one process must own each managed server however many workers take logins.
 */
import { Context, Effect, Layer } from "effect"
import { ServerManager } from "./ServerManager.ts"
import type { StartOutcome } from "./StartOutcome.ts"

export class ServerWake extends Context.Service<ServerWake, {
  /** Starts the server when it is not online and waits for the outcome (NotManaged when it has no manager). */
  readonly ensureStarted: (serverId: string) => Effect.Effect<StartOutcome>
}>()("infrarust/server-manager/ServerWake") {
  static readonly layer = Layer.effect(
    ServerWake,
    Effect.gen(function*() {
      const manager = yield* ServerManager
      return ServerWake.of({ ensureStarted: manager.ensureStarted })
    })
  )
}
