/**
 * The limbo handler API: what a plugin registers under a name (`limbo.register(name, handler)`
 * in its PluginContext) and what `limbo_handlers = [...]` of a server lists.
 *
 * A player in limbo meets the listed handlers in order. Each one's `enter` answers:
 * - Accept: on to the next handler; after the last, the chain is Completed;
 * - Deny(reason): the player is disconnected with the reason;
 * - Redirect(server): the player is sent to that server;
 * - Hold: the player waits in the void until the plugin calls `player.complete(result)`;
 * - SendToLimbo(handlers): the player stays, and these handlers (names resolved leniently) take
 *   over from here.
 * While a handler has the player (its `enter` runs or it holds), its `chat` receives what the
 * player types, commands included, and can consume it (a password is then never logged).
 * Results and exits are plain data, as every result in the plugin API.
 */
import type { Effect } from "effect"
import type { ChatInput, Text } from "../protocol/TextPackets.ts"

export type { ChatInput, Text } from "../protocol/TextPackets.ts"

/** What a handler answers (from `enter`, or later through `complete` after a Hold). */
export type HandlerResult =
  | { readonly _tag: "Accept" }
  | { readonly _tag: "Deny"; readonly reason: Text }
  | { readonly _tag: "Redirect"; readonly server: string }
  | { readonly _tag: "Hold" }
  | { readonly _tag: "SendToLimbo"; readonly handlers: ReadonlyArray<string> }

/** A result that ends a Hold. */
export type Completion = Exclude<HandlerResult, { readonly _tag: "Hold" }>

export const HandlerResult = {
  accept: { _tag: "Accept" } as HandlerResult,
  hold: { _tag: "Hold" } as HandlerResult,
  deny: (reason: Text): Completion => ({ _tag: "Deny", reason }),
  redirect: (server: string): Completion => ({ _tag: "Redirect", server }),
  sendToLimbo: (handlers: ReadonlyArray<string>): Completion => ({ _tag: "SendToLimbo", handlers })
} as const

/** Why the player is in limbo (Infrarust's entry contexts). */
export type LimboEntry =
  | { readonly _tag: "InitialConnection"; readonly target: string }
  | { readonly _tag: "KickedFromServer"; readonly server: string; readonly reason: string }
  | { readonly _tag: "PluginRedirect"; readonly from: string | undefined }

/** What a handler does with one chat message or command. */
export type ChatVerdict = "consumed" | "pass"

export interface LimboTitle {
  readonly title: Text
  readonly subtitle?: Text | undefined
  /** Ticks (1/20 s); vanilla's defaults 10, 70, 20 when absent. */
  readonly fadeIn?: number | undefined
  readonly stay?: number | undefined
  readonly fadeOut?: number | undefined
}

/** The player as a handler sees it. */
export interface LimboPlayer {
  readonly name: string
  readonly uuid: string
  readonly protocol: number
  readonly entry: LimboEntry
  /** A chat line; false when it cannot be shown (the player left). */
  readonly message: (text: Text) => Effect.Effect<boolean>
  /** Text over the hotbar (in chat for 1.7, which has no action bar). */
  readonly actionBar: (text: Text) => Effect.Effect<boolean>
  /** A title (1.8+; false for 1.7). */
  readonly title: (title: LimboTitle) => Effect.Effect<boolean>
  /**
   * Ends this handler's turn with `result`: after a Hold, or while `enter` still runs (the
   * result then wins over what `enter` returns). False when the turn is already over.
   */
  readonly complete: (result: Completion) => Effect.Effect<boolean>
}

export interface LimboHandler {
  /** The player reached this handler. Failing or dying here disconnects the player with "Internal error". */
  readonly enter: (player: LimboPlayer) => Effect.Effect<HandlerResult, unknown>
  /**
   * A chat message or command (`command: true`, without its slash) while this handler has the
   * player. "consumed": the input is the handler's alone (never logged); "pass" (or nothing):
   * the limbo logs it at debug level and drops it, as nobody else is there to hear it.
   */
  readonly chat?: (player: LimboPlayer, input: ChatInput) => Effect.Effect<ChatVerdict | void, unknown>
  /** The player left (disconnected, timed out) while this handler had them. */
  readonly leave?: (player: LimboPlayer) => Effect.Effect<void, unknown>
}

/** A handler as registered: its name and the plugin that registered it. */
export interface NamedHandler {
  readonly name: string
  readonly plugin: string
  readonly handler: LimboHandler
}

/** How a limbo visit ended: the integration acts on it (switch, kick, nothing). */
export type LimboExit =
  /** Every handler accepted: go to `target` (the entry's target or the server the player came from). */
  | { readonly _tag: "Completed"; readonly target: string | undefined }
  /** Disconnect the player with `reason` ("Internal error" when a handler failed). */
  | { readonly _tag: "Denied"; readonly reason: Text }
  | { readonly _tag: "Redirect"; readonly server: string }
  /** The player is gone (disconnected, keep-alive timeout, protocol error): nothing left to do. */
  | { readonly _tag: "Left"; readonly reason: string }

/** Messages as Infrarust words them. */
export const LimboMessages = {
  noHandlers: "No limbo handlers configured",
  noHandlersForServer: "No limbo handlers configured for this server",
  internalError: "Internal error"
} as const

/** Where Completed sends the player for each entry. */
export const completionTarget = (entry: LimboEntry): string | undefined =>
  entry._tag === "InitialConnection" ? entry.target : entry._tag === "KickedFromServer" ? entry.server : entry.from
