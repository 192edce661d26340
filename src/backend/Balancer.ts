/**
 * Which backend addresses a new player is offered, in which order.
 *
 * `sequential` (Infrarust's behaviour and the default) tries `addresses` in the order
 * written. The caller dials the candidates in order and reports each attempt, so a
 * strategy can learn from connect failures.
 */
import { Context, Effect, Layer } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { BackendTarget } from "../config/ServerConfig.ts"

export class Balancer extends Context.Service<Balancer, {
  /** Candidates for a new login, best first. */
  readonly candidates: (server: LoadedServer) => Effect.Effect<ReadonlyArray<BackendTarget>>
  /** Backends to ask for the server-list status, in order (the MOTD source). */
  readonly statusCandidates: (server: LoadedServer) => Effect.Effect<ReadonlyArray<BackendTarget>>
  /** The outcome of one connect attempt made for a login. */
  readonly report: (server: LoadedServer, target: BackendTarget, ok: boolean) => Effect.Effect<void>
}>()("infrarust/backend/Balancer") {
  static readonly sequential = Layer.succeed(
    Balancer,
    Balancer.of({
      candidates: (server) => Effect.succeed(server.config.addresses),
      statusCandidates: (server) => Effect.succeed(server.config.addresses),
      report: () => Effect.void
    })
  )
}
