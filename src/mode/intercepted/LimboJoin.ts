/**
 * The limbo (src/limbo) as a session's backend: a visit opened in a new leg scope of the session,
 * its in-memory socket made a backend leg, and the proxy's ordinary backend login over it (no
 * forwarding: the limbo is the proxy itself). From there the session relays it and switches the
 * player to it and away from it like any backend, so every version's world change is the one
 * server switching already does.
 *
 * A refused entry (no handler name resolves) or a failed login closes the leg scope: nothing of
 * the attempt outlives it.
 */
import { Effect, Exit, Scope } from "effect"
import type * as Net from "node:net"
import type { Duplex } from "node:stream"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import { Limbo, type LimboVisit } from "../../limbo/Limbo.ts"
import { completionTarget, type LimboEntry, LimboMessages } from "../../limbo/LimboHandler.ts"
import type { Strictness } from "../../limbo/LimboHandlers.ts"
import type { Text } from "../../protocol/TextPackets.ts"
import type { Prepared, SwitchContext } from "./ServerSwitch.ts"
import type { BackendLeg } from "./BackendLeg.ts"
import { acknowledgeBackendLogin, type BackendLoggedIn, loginToBackend } from "./BackendLogin.ts"
import { PacketLeg } from "./PacketLeg.ts"
import { textOf } from "./TextOf.ts"

/** The backend address the limbo shows as (logs, the admin API). */
export const LIMBO_ADDRESS = "limbo"
export { LIMBO_TARGET } from "../../session/PlayerAction.ts"

export interface LimboRequest {
  /** Handler names, as `limbo_handlers` or a `SendToLimbo` answer lists them. */
  readonly names: ReadonlyArray<string>
  readonly strictness: Strictness
  readonly entry: LimboEntry
  /** The disconnect text when no name resolves (default: the limbo's "No limbo handlers configured"). */
  readonly refusal?: string
}

export type LimboJoined =
  | { readonly _tag: "Joined"; readonly backend: BackendLeg; readonly login: BackendLoggedIn; readonly visit: LimboVisit }
  | { readonly _tag: "NotJoined"; readonly text: Text; readonly detail: string }

/**
 * The limbo's socket as a backend leg. It is a stream, not a TCP socket, so it gets what the
 * session loop relies on from one: reads that stop when the leg's handler says so and start again
 * on `pause()`/`resume()` (ResumeReading.ts), as `onread` does — read in paused mode, so nothing
 * else can set it flowing — and byte counters, which the idle watch samples.
 */
const limboLeg = (socket: Duplex, scope: Scope.Closeable): BackendLeg => {
  const counted = socket as Duplex & { bytesRead: number; bytesWritten: number }
  counted.bytesRead = 0
  counted.bytesWritten = 0
  const write = socket.write.bind(socket) as (chunk: Uint8Array, cb?: (e?: Error | null) => void) => boolean
  counted.write = ((chunk: Uint8Array, cb?: (e?: Error | null) => void) => {
    counted.bytesWritten += chunk.length
    return write(chunk, cb)
  }) as Duplex["write"]
  const leg = new PacketLeg("backend", counted as unknown as Net.Socket)
  let reading = true
  // A handler may resume the leg from inside its own call (a login completing synchronously
  // starts the session loop); its "stop" answer then comes after the resume, and must not undo it.
  let resumes = 0
  const pump = () => {
    while (reading) {
      const chunk = socket.read() as Buffer | null
      if (chunk === null) return
      counted.bytesRead += chunk.length
      const before = resumes
      if (!leg.onChunk(chunk.length, chunk) && resumes === before) reading = false
    }
  }
  socket.on("readable", pump)
  counted.pause = () => ((reading = false), counted)
  counted.resume = () => {
    resumes++
    if (!reading) {
      reading = true
      queueMicrotask(pump)
    }
    return counted
  }
  return { leg, address: LIMBO_ADDRESS, scope }
}

/** Opens a limbo visit for the session's player and logs in to it; `server` is where the session is nominally. */
export const joinLimbo = Effect.fnUntraced(function*(sc: SwitchContext, server: LoadedServer, request: LimboRequest) {
  const scope = yield* sc.session.openLeg
  const entered = yield* (yield* Limbo).enter({
    names: request.names,
    strictness: request.strictness,
    entry: request.entry,
    uuid: sc.profile.id,
    ...(request.refusal === undefined ? {} : { refusal: request.refusal })
  }).pipe(Scope.provide(scope))
  if (entered._tag === "Refused") {
    yield* Scope.close(scope, Exit.void)
    const unknown = entered.unknown.length === 0 ? "" : ` (unknown: ${entered.unknown.join(", ")})`
    return { _tag: "NotJoined", text: entered.reason, detail: `no limbo handler to hold the player${unknown}` } as LimboJoined
  }
  const backend = limboLeg(entered.visit.socket, scope)
  const loggedIn = yield* Effect.result(loginToBackend({
    leg: backend.leg,
    server,
    handshake: sc.ctx.opening.handshake,
    rawHandshake: sc.ctx.opening.raw,
    host: sc.ctx.host,
    protocol: sc.ctx.protocolVersion,
    table: sc.table,
    player: { address: sc.ctx.client.address, profile: sc.profile },
    plan: { _tag: "None" },
    velocitySecret: undefined
  }))
  if (loggedIn._tag === "Failure") {
    yield* Scope.close(scope, Exit.void)
    const e = loggedIn.failure
    const text = e._tag === "BackendLoginRefused" && e.reason !== undefined ? textOf(e.reason) : LimboMessages.internalError
    return { _tag: "NotJoined", text, detail: `the limbo refused the login: ${e.message}` } as LimboJoined
  }
  return { _tag: "Joined", backend, login: loggedIn.success, visit: entered.visit } as LimboJoined
})

/**
 * The limbo as a switch's next backend: joined, its login acknowledged (1.20.2+: it then waits in
 * configuration for the client, as a real backend does), the registry showing the player in limbo.
 */
export const prepareLimbo = Effect.fnUntraced(function*(sc: SwitchContext, server: LoadedServer, request: LimboRequest) {
  const joined = yield* joinLimbo(sc, server, request)
  if (joined._tag === "NotJoined") {
    yield* Effect.logInfo(`${sc.session.player.name} cannot enter the limbo: ${joined.detail}`)
    return { _tag: "Refused", reason: typeof joined.text === "string" ? joined.text : JSON.stringify(joined.text) } as Prepared
  }
  acknowledgeBackendLogin(joined.backend.leg, sc.table)
  yield* sc.session.transition({ _tag: "Limbo", waitingFor: completionTarget(request.entry) }, 0)
  return { _tag: "Ready", server, backend: joined.backend, visit: joined.visit } as Prepared
})
