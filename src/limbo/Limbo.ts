/**
 * The limbo: a proxy-hosted void world that holds a player while limbo handlers decide where
 * they go. It is a *virtual backend*: it speaks the server side of the protocol over any Duplex,
 * so a session logs in to it with its ordinary backend login (over `open()`'s socket) and later
 * moves the player from it, or to it, with an ordinary server switch.
 *
 * One visit = one connection: login (and configuration), the spawn, keep-alives every
 * `keepAliveInterval` (a player that does not answer within `keepAliveTimeout` is disconnected),
 * then the handler chain (HandlerChain.ts) once the player is in the world. The chain's end is a
 * value ({@link LimboExit}); the limbo does not act on it (it does not kick on Deny: as a backend
 * it would look like a kick from a server), the caller does: switch, or `visit.kick(reason)` /
 * its own disconnect.
 */
import { Context, Deferred, Duration, Effect, Layer, Option, Queue, Scope } from "effect"
import { type Duplex, duplexPair } from "node:stream"
import type { ChatInput, Text } from "../protocol/TextPackets.ts"
import { runChain } from "./HandlerChain.ts"
import { type LimboCloseReason, LimboConnection, type LimboPlayerIdentity } from "./LimboConnection.ts"
import { type LimboEntry, type LimboExit, LimboMessages, type NamedHandler } from "./LimboHandler.ts"
import { LimboHandlers, type Strictness } from "./LimboHandlers.ts"
import { LimboRegistries } from "./LimboRegistries.ts"

export interface LimboOptions {
  /** Vanilla-like 10 s (Infrarust's). */
  readonly keepAliveInterval: Duration.Input
  /** No answer within this: disconnected ("Timed out"). Infrarust's 15 s. */
  readonly keepAliveTimeout: Duration.Input
  /** Handshake to spawn, configuration included; the client's own login timeout is 30 s. */
  readonly loginTimeout: Duration.Input
}

export const defaultLimboOptions: LimboOptions = { keepAliveInterval: "10 seconds", keepAliveTimeout: "15 seconds", loginTimeout: "30 seconds" }

export interface LimboRequest {
  /** The chain, resolved (LimboHandlers.resolve); empty: the visit completes as soon as the player spawns. */
  readonly handlers: ReadonlyArray<NamedHandler>
  readonly entry: LimboEntry
  /** The identity for a Login Start without a UUID (before 1.20.2): the session's; default the offline UUID. */
  readonly uuid?: string
}

export interface LimboVisit {
  /** The player as they logged in; fails never, waits until they did (or forever if they never do). */
  readonly player: Effect.Effect<LimboPlayerIdentity>
  /** How the visit ended; waits for it. */
  readonly exit: Effect.Effect<LimboExit>
  /** Shows `reason` as the player's disconnect screen and closes the connection. */
  readonly kick: (reason: Text) => Effect.Effect<void>
}

/** The integration's one entry: resolve the names, then open the virtual backend. */
export interface LimboEnterRequest {
  /** Handler names, as `limbo_handlers` or a `SendToLimbo` answer lists them. */
  readonly names: ReadonlyArray<string>
  /** "strict" for PlayerChooseInitialServer's SendToLimbo and `$limbo`; "lenient" elsewhere (§2.15). */
  readonly strictness: Strictness
  readonly entry: LimboEntry
  readonly uuid?: string
  /** The disconnect reason when no handler resolves; default `LimboMessages.noHandlers`. */
  readonly refusal?: string
}

export type LimboEntered =
  | { readonly _tag: "Refused"; readonly reason: string; readonly unknown: ReadonlyArray<string> }
  | { readonly _tag: "Open"; readonly visit: LimboVisit & { readonly socket: Duplex } }

/** Room for chat typed faster than handlers read it; beyond it, lines are dropped (vanilla kicks for chat spam). */
const CHAT_BACKLOG = 64
/** A peer that never closes its side is destroyed this long after the limbo ended its own. */
const CLOSE_GRACE_MS = 2000

export class Limbo extends Context.Service<Limbo, {
  /** Serves one player on `stream` (a socket, or a duplexPair end) until the scope closes. */
  readonly serve: (stream: Duplex, request: LimboRequest) => Effect.Effect<LimboVisit, never, Scope.Scope>
  /**
   * The virtual-backend form: a fresh in-memory connection; `socket` is the backend end, for the
   * session's backend login and packet relay, as a TCP socket to a real backend would be.
   */
  readonly open: (request: LimboRequest) => Effect.Effect<LimboVisit & { readonly socket: Duplex }, never, Scope.Scope>
  /**
   * Resolves `names` and, when at least one handler resolves, opens a visit (as `open`); else
   * Refused with the reason to show (nothing is opened).
   */
  readonly enter: (request: LimboEnterRequest) => Effect.Effect<LimboEntered, never, Scope.Scope>
}>()("infrarust/limbo/Limbo") {
  static readonly layer = Layer.effect(Limbo, Effect.suspend(() => make(defaultLimboOptions)))
  /** With other timings (tests, or a proxy that wants shorter keep-alives). */
  static readonly layerWith = (options: Partial<LimboOptions>) => Layer.effect(Limbo, make({ ...defaultLimboOptions, ...options }))
}

const describe = (r: LimboCloseReason): string => {
  switch (r._tag) {
    case "PeerClosed": return "disconnected"
    case "Unsupported": return `unsupported: ${r.detail}`
    case "Protocol": return `protocol error: ${r.error.message}`
    case "Closed": return r.detail
  }
}

/** Ends the stream (so queued bytes still leave) and destroys it if the peer does not close. */
const release = (stream: Duplex) => {
  if (stream.destroyed) return
  stream.on("error", () => {})
  stream.end()
  const timer = setTimeout(() => stream.destroy(), CLOSE_GRACE_MS)
  timer.unref()
  stream.once("close", () => clearTimeout(timer))
}

const make = (options: LimboOptions) =>
  Effect.gen(function*() {
    const handlers = yield* LimboHandlers
    const registries = yield* LimboRegistries

    const serve = Effect.fnUntraced(function*(stream: Duplex, request: LimboRequest) {
      const scope = yield* Scope.Scope
      const loggedIn = Deferred.makeUnsafe<LimboPlayerIdentity>()
      const playing = Deferred.makeUnsafe<void>()
      const closed = Deferred.makeUnsafe<string>()
      const exit = Deferred.makeUnsafe<LimboExit>()
      const chats = yield* Queue.dropping<ChatInput>(CHAT_BACKLOG)
      let awaited: { readonly id: bigint; readonly answered: Deferred.Deferred<void> } | undefined

      const connection = new LimboConnection(stream, {
        onLogin: (player) => Deferred.doneUnsafe(loggedIn, Effect.succeed(player)),
        onPlay: () => Deferred.doneUnsafe(playing, Effect.void),
        onChat: (input) => Queue.offerUnsafe(chats, input),
        onKeepAlive: (id) => {
          if (awaited?.id === id) Deferred.doneUnsafe(awaited.answered, Effect.void)
        },
        onClose: (reason) => Deferred.doneUnsafe(closed, Effect.succeed(describe(reason)))
      }, { registries: registries.peek, ...(request.uuid === undefined ? {} : { uuidFor: () => request.uuid }) })
      yield* Scope.addFinalizer(scope, Effect.sync(() => {
        connection.close({ _tag: "Closed", detail: "the limbo visit ended" })
        release(stream)
      }))

      const keepAlives = Effect.gen(function*() {
        for (let n = 1;; n++) {
          yield* Effect.sleep(options.keepAliveInterval)
          const answered = Deferred.makeUnsafe<void>()
          // Small ids: 1.7 to 1.12.1 carry them as 32-bit numbers.
          awaited = { id: BigInt(n), answered }
          if (!connection.keepAlive(awaited.id)) return
          const answer = yield* Effect.timeoutOption(Deferred.await(answered), options.keepAliveTimeout)
          if (Option.isNone(answer)) {
            yield* Effect.logInfo(`limbo: no keep-alive answer within ${Duration.format(Duration.fromInputUnsafe(options.keepAliveTimeout))}; disconnecting`)
            return connection.disconnect("Timed out")
          }
        }
      })

      const visit = Effect.gen(function*() {
        const arrived = yield* Effect.raceFirst(Effect.as(Deferred.await(playing), true), Effect.as(Deferred.await(closed), false)).pipe(
          Effect.timeoutOption(options.loginTimeout)
        )
        if (Option.isNone(arrived)) {
          connection.disconnect("Timed out")
          return { _tag: "Left", reason: "the login did not complete in time" } as LimboExit
        }
        if (!arrived.value) return { _tag: "Left", reason: yield* Deferred.await(closed) } as LimboExit
        const identity = yield* Deferred.await(loggedIn)
        yield* Effect.forkIn(keepAlives, scope)
        return yield* runChain(request.handlers, request.entry, {
          player: {
            ...identity,
            entry: request.entry,
            message: (text) => Effect.sync(() => connection.message(text, false)),
            actionBar: (text) => Effect.sync(() => connection.message(text, true)),
            title: (t) => Effect.sync(() => connection.title({ title: t.title, subtitle: t.subtitle, fadeIn: t.fadeIn ?? 10, stay: t.stay ?? 70, fadeOut: t.fadeOut ?? 20 }))
          },
          chats,
          left: Deferred.await(closed),
          resolve: (names) => handlers.resolve(names, "lenient")
        })
      })
      yield* Effect.forkIn(Effect.flatMap(visit, (e) => Deferred.succeed(exit, e)), scope)

      return {
        player: Deferred.await(loggedIn),
        exit: Deferred.await(exit),
        kick: (reason: Text) => Effect.sync(() => connection.disconnect(reason))
      } satisfies LimboVisit
    })

    const open = Effect.fnUntraced(function*(request: LimboRequest) {
      const [limboEnd, backendEnd] = duplexPair()
      yield* Scope.addFinalizer(yield* Scope.Scope, Effect.sync(() => release(backendEnd)))
      const visit = yield* serve(limboEnd, request)
      return { ...visit, socket: backendEnd }
    })

    const enter = Effect.fnUntraced(function*(request: LimboEnterRequest) {
      const resolved = yield* handlers.resolve(request.names, request.strictness)
      if (resolved._tag === "Refused") {
        return { _tag: "Refused", reason: request.refusal ?? LimboMessages.noHandlers, unknown: resolved.unknown } as LimboEntered
      }
      const visit = yield* open({ handlers: resolved.handlers, entry: request.entry, ...(request.uuid === undefined ? {} : { uuid: request.uuid }) })
      return { _tag: "Open", visit } as LimboEntered
    })

    return Limbo.of({ serve, open, enter })
  })
