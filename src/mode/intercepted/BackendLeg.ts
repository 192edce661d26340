/**
 * A backend connection of an intercepted session, as a packet leg: dialled (mode/BackendConnect.ts)
 * in a new leg scope of the session, so it can be closed and replaced without ending the
 * player's connection, with its reads (the dialer's `onread` link) going to the leg's handler.
 */
import { Effect, Exit, Option, Scope } from "effect"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import type { HandshakeContext } from "../../session/ConnectionContext.ts"
import { connectBackend } from "../BackendConnect.ts"
import type { LiveSession } from "../LiveSession.ts"
import { PacketLeg } from "./PacketLeg.ts"

export interface BackendLeg {
  readonly leg: PacketLeg
  /** "host:port" as configured. */
  readonly address: string
  readonly scope: Scope.Closeable
}

/** The backend leg, or undefined when no backend of `server` answered. */
export const connectLeg = Effect.fnUntraced(function*(ctx: HandshakeContext, server: LoadedServer, session: LiveSession) {
  const scope = yield* session.openLeg
  const link = yield* connectBackend(ctx, server).pipe(Scope.provide(scope), Effect.option)
  // Closed at once: a session that waits (limbo) and tries again must not keep a leg per try.
  if (Option.isNone(link)) return yield* Effect.as(Scope.close(scope, Exit.void), undefined)
  const leg = new PacketLeg("backend", link.value.socket)
  link.value.onData = leg.onChunk
  return { leg, address: link.value.address, scope } as BackendLeg
})
