/**
 * Runs a chain of limbo handlers for one player, to a {@link LimboExit}.
 *
 * - Handlers take turns in order. A turn ends with the result `enter` returns, or, after a Hold
 *   (or while `enter` still runs), with the first `complete(result)`.
 * - The player's chat goes to the handler whose turn it is, one message at a time, in order.
 * - A handler whose `enter` or `chat` fails, throws or dies is logged with its plugin id and
 *   name; the chain ends Denied("Internal error"). Other players' chains are not affected.
 * - SendToLimbo replaces the rest of the chain with the named handlers (resolved leniently; none
 *   left is Denied "No limbo handlers configured"); the player stays in the same world. After
 *   {@link MAX_CHAIN_REPLACEMENTS} replacements the chain is taken for a loop and ends in an
 *   internal error.
 * - When the player leaves, the turn's handler gets `leave` and the exit is Left. A chain that is
 *   interrupted instead (a live session ends with its client's connection, before the limbo
 *   notices) calls `leave` too, once, bounded by {@link LEAVE_ON_INTERRUPT_LIMIT}: a queue or a
 *   wait must learn that its player is gone however the player went.
 */
import { Cause, Deferred, Duration, Effect, Queue } from "effect"
import {
  type ChatInput,
  type Completion,
  completionTarget,
  type HandlerResult,
  type LimboEntry,
  type LimboExit,
  LimboMessages,
  type LimboPlayer,
  type NamedHandler
} from "./LimboHandler.ts"
import type { Resolution } from "./LimboHandlers.ts"

/** How long a handler's `leave` may run when the chain is interrupted (it runs in a finalizer). */
export const LEAVE_ON_INTERRUPT_LIMIT = Duration.seconds(5)

/** SendToLimbo answers one chain may follow before it is taken for a loop between handlers. */
export const MAX_CHAIN_REPLACEMENTS = 16

/** What the chain needs of the limbo: the player's base handle, their chat, their departure. */
export interface ChainPort {
  readonly player: Omit<LimboPlayer, "complete">
  readonly chats: Queue.Dequeue<ChatInput>
  /** Completes with a reason when the player is gone. */
  readonly left: Effect.Effect<string>
  /** Lenient resolution of a SendToLimbo answer. */
  readonly resolve: (names: ReadonlyArray<string>) => Effect.Effect<Resolution>
}

interface Turn {
  readonly named: NamedHandler
  readonly player: LimboPlayer
}

const internalError: LimboExit = { _tag: "Denied", reason: LimboMessages.internalError }

/** Logs a handler's failure (not an interruption) with its plugin and name. */
const reportFailure = (named: NamedHandler, what: string, cause: Cause.Cause<unknown>) =>
  Effect.logError(`limbo handler '${named.name}' of plugin '${named.plugin}' failed in ${what}; the player is disconnected`, Cause.pretty(cause)).pipe(
    Effect.annotateLogs({ plugin: named.plugin })
  )

export const runChain = (handlers: ReadonlyArray<NamedHandler>, entry: LimboEntry, port: ChainPort): Effect.Effect<LimboExit> =>
  Effect.gen(function*() {
    let turn: Turn | undefined
    const failed = Deferred.makeUnsafe<LimboExit>()

    /** Calls a handler, turning a failure or defect into the chain's internal error. */
    const guarded = <A>(named: NamedHandler, what: string, effect: Effect.Effect<A, unknown>) =>
      Effect.catchCause(Effect.suspend(() => effect), (cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.interrupt
          : Effect.andThen(reportFailure(named, what, cause), Effect.andThen(Deferred.succeed(failed, internalError), Effect.never)))

    const chatLoop = Effect.forever(Effect.gen(function*() {
      const input = yield* Queue.take(port.chats)
      const current = turn
      const verdict = current?.named.handler.chat === undefined
        ? "pass"
        : yield* guarded(current.named, "chat", current.named.handler.chat(current.player, input))
      if (verdict !== "consumed") yield* Effect.logDebug(`limbo: ${port.player.name} said ${input.command ? "/" : ""}${input.message} (no handler took it)`)
    }))

    const takeTurn = (named: NamedHandler) =>
      Effect.gen(function*() {
        const done = Deferred.makeUnsafe<Completion>()
        const player: LimboPlayer = { ...port.player, complete: (r) => Effect.sync(() => Deferred.doneUnsafe(done, Effect.succeed(r))) }
        turn = { named, player }
        const answered: HandlerResult = yield* guarded(named, "enter", named.handler.enter(player))
        if (Deferred.isDoneUnsafe(done) || answered._tag === "Hold") return yield* Deferred.await(done)
        return answered as Completion
      })

    const chain = Effect.gen(function*() {
      let pending = [...handlers]
      let replacements = 0
      while (pending.length > 0) {
        const named = pending.shift()!
        const result = yield* takeTurn(named)
        switch (result._tag) {
          case "Accept": continue
          case "Deny": return { _tag: "Denied", reason: result.reason } as LimboExit
          case "Redirect": return { _tag: "Redirect", server: result.server } as LimboExit
          case "SendToLimbo": {
            if (++replacements > MAX_CHAIN_REPLACEMENTS) {
              yield* Effect.logError(`limbo: ${port.player.name} was sent to limbo ${MAX_CHAIN_REPLACEMENTS} times in a row (last by '${named.name}' of plugin '${named.plugin}'); disconnected`)
              return internalError
            }
            const next = yield* port.resolve(result.handlers)
            if (next._tag === "Refused") return { _tag: "Denied", reason: LimboMessages.noHandlers } as LimboExit
            pending = [...next.handlers]
          }
        }
      }
      return { _tag: "Completed", target: completionTarget(entry) } as LimboExit
    })

    /** The turn's handler whose `leave` is still owed (taken once: the departure and an interruption may both come). */
    let owed = true
    const leaveOwed = () => {
      const current = turn
      if (!owed || current?.named.handler.leave === undefined) return undefined
      owed = false
      return { named: current.named, leave: current.named.handler.leave(current.player) }
    }

    const leaving = Effect.gen(function*() {
      const reason = yield* port.left
      const due = leaveOwed()
      if (due !== undefined) yield* Effect.exit(guarded(due.named, "leave", due.leave).pipe(Effect.raceFirst(Deferred.await(failed))))
      return { _tag: "Left", reason } as LimboExit
    })

    const leaveOnInterrupt = Effect.suspend(() => {
      const due = leaveOwed()
      if (due === undefined) return Effect.void
      return Effect.suspend(() => due.leave).pipe(
        Effect.timeout(LEAVE_ON_INTERRUPT_LIMIT),
        Effect.catchCause((cause) => reportFailure(due.named, "leave", cause))
      )
    })

    return yield* Effect.raceAll([chain, leaving, Deferred.await(failed), Effect.andThen(chatLoop, Effect.never)]).pipe(
      Effect.onInterrupt(() => leaveOnInterrupt)
    )
  })
