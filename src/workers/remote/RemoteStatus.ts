/**
 * `StatusService` in a worker thread: every ping is answered by the coordinator's status plane,
 * so there is one StatusCache for the whole proxy (a flood spread over every worker still
 * reaches a backend at most once per key and ttl), one set of loaded favicons, and player
 * counts from the one session registry. The connection's context travels with the route as the
 * server id; the coordinator answers from its own copy of that server (Wire.ts).
 */
import { Effect, Layer, Option } from "effect"
import { StatusService } from "../../status/StatusService.ts"
import { WorkerChannel } from "../WorkerChannel.ts"
import { encodeContext } from "../Wire.ts"

export const layer: Layer.Layer<StatusService, never, WorkerChannel> = Layer.effect(
  StatusService,
  Effect.map(WorkerChannel, ({ link }) =>
    StatusService.of({
      respond: (ctx) => link.call("status.respond", encodeContext(ctx)),
      respondWithoutBackend: (ctx) => Effect.map(link.call("status.respondWithoutBackend", encodeContext(ctx)), Option.fromUndefinedOr),
      respondLegacy: (ctx) => link.call("status.respondLegacy", encodeContext(ctx)),
      respondLegacyWithoutBackend: (ctx) =>
        Effect.map(link.call("status.respondLegacyWithoutBackend", encodeContext(ctx)), Option.fromUndefinedOr)
    }))
)
