/**
 * `StatusService` in a worker thread: every ping is answered by the coordinator's status plane,
 * so there is one StatusCache for the whole proxy (a flood spread over every worker still
 * reaches a backend at most once per key and ttl), one set of loaded favicons, and player
 * counts from the one session registry. The route travels as the server id; the coordinator
 * answers from its own copy of that server.
 */
import { Effect, Layer, Option } from "effect"
import { type LegacyStatusRequest, StatusService, type StatusRequest } from "../../status/StatusService.ts"
import { WorkerChannel } from "../WorkerChannel.ts"
import type { WireLegacyRequest, WireStatusRequest } from "../Ops.ts"
import { encodeRoute } from "../Wire.ts"

const wire = (r: StatusRequest): WireStatusRequest => ({
  route: encodeRoute(r.route),
  // Only the fields of a handshake: the decoded one also carries frame offsets.
  handshake: {
    protocolVersion: r.handshake.protocolVersion,
    serverAddress: r.handshake.serverAddress,
    serverPort: r.handshake.serverPort,
    nextState: r.handshake.nextState
  },
  rawHandshake: r.rawHandshake,
  client: r.client,
  local: r.local
})

const wireLegacy = (r: LegacyStatusRequest): WireLegacyRequest => ({
  request: r.request,
  route: encodeRoute(r.route),
  client: r.client,
  local: r.local
})

export const layer: Layer.Layer<StatusService, never, WorkerChannel> = Layer.effect(
  StatusService,
  Effect.map(WorkerChannel, ({ link }) =>
    StatusService.of({
      respond: (request) => link.call("status.respond", wire(request)),
      respondWithoutBackend: (request) =>
        Effect.map(link.call("status.respondWithoutBackend", wire(request)), Option.fromUndefinedOr),
      respondLegacy: (request) => link.call("status.respondLegacy", wireLegacy(request)),
      respondLegacyWithoutBackend: (request) =>
        Effect.map(link.call("status.respondLegacyWithoutBackend", wireLegacy(request)), Option.fromUndefinedOr)
    }))
)
