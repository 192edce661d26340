/**
 * Joining a backend for a player, the same way at login and on every server switch (reference
 * §2.12, §2.14 step 4): the server's forwarding plan, a wake of a sleeping managed server, a
 * backend leg dialled in a new leg scope of the session, and the proxy's login there with
 * forwarding. The result is the logged-in leg, or why not — as a value: the login turns it into
 * a disconnect, a switch into "Server switch failed: <why>".
 *
 * A failed join closes its leg scope, so nothing of it outlives the attempt.
 */
import { Effect, Exit, Scope } from "effect"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import { Forwarding } from "../../forwarding/Forwarding.ts"
import type { GameProfile } from "../../protocol/GameProfile.ts"
import type { PacketTable } from "../../protocol/PacketIds.ts"
import type { Text } from "../../protocol/TextPackets.ts"
import type { HandshakeContext } from "../../session/ConnectionContext.ts"
import type { LiveSession } from "../LiveSession.ts"
import { wakeForLogin } from "../LoginWake.ts"
import { type BackendLoggedIn, loginToBackend } from "./BackendLogin.ts"
import { type BackendLeg, connectLeg } from "./BackendLeg.ts"
import { textOf } from "./TextOf.ts"

export type JoinResult =
  | { readonly _tag: "Joined"; readonly backend: BackendLeg; readonly login: BackendLoggedIn }
  | {
    readonly _tag: "NotJoined"
    /** What the player reads (a login disconnect, or after "Server switch failed: "). */
    readonly text: Text
    /** For the log. */
    readonly detail: string
    readonly level: "Info" | "Warn"
    /** No backend answered at all (the connection report's `no_backend`). */
    readonly unreachable: boolean
  }

const notJoined = (text: Text, detail: string, level: "Info" | "Warn" = "Warn", unreachable = false): JoinResult =>
  ({ _tag: "NotJoined", text, detail, level, unreachable })

export interface JoinOptions {
  readonly ctx: HandshakeContext
  readonly server: LoadedServer
  readonly session: LiveSession
  readonly profile: GameProfile
  readonly table: PacketTable
}

export const joinBackend = Effect.fnUntraced(function*(o: JoinOptions) {
  const { server } = o
  const forwarding = (yield* Forwarding).planFor(server)
  if (forwarding.refusal !== undefined) return notJoined("This server is misconfigured. Please tell an admin.", forwarding.refusal)
  const asleep = yield* wakeForLogin(server, o.profile.name)
  if (asleep !== undefined) return notJoined(asleep.kick ?? server.config.disconnectMessage, asleep.reason, asleep.level === "Warn" ? "Warn" : "Info")
  const backend = yield* connectLeg(o.ctx, server, o.session)
  if (backend === undefined) {
    return notJoined(server.config.disconnectMessage, `no backend of '${server.id}' is reachable`, "Warn", true)
  }
  const loggedIn = yield* Effect.result(loginToBackend({
    leg: backend.leg,
    server,
    handshake: o.ctx.opening.handshake,
    rawHandshake: o.ctx.opening.raw,
    host: o.ctx.host,
    protocol: o.ctx.protocolVersion,
    table: o.table,
    player: { address: o.ctx.client.address, profile: o.profile },
    plan: forwarding.plan,
    velocitySecret: forwarding.velocitySecret
  }))
  if (loggedIn._tag === "Failure") {
    yield* Scope.close(backend.scope, Exit.void)
    const e = loggedIn.failure
    const reason = e._tag === "BackendLoginRefused" && e.reason !== undefined ? textOf(e.reason) : server.config.disconnectMessage
    return notJoined(reason, e.message)
  }
  return { _tag: "Joined", backend, login: loggedIn.success } as JoinResult
})
