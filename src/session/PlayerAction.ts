/**
 * What a plugin, an admin or the console can ask of a player's session (plain data, so it can
 * cross worker threads). Only a session whose mode speaks the protocol (the intercepted modes)
 * can carry the messages and switches; a forwarding-mode session answers none of them but Kick.
 *
 * `Switch` moves the player to another server (docs/switching.md). `Sessions.act` answers it
 * when the switch is over: true once the player plays on the new server; false when it was
 * refused or failed (the player then stays where it was and reads "Server switch failed: <why>"
 * in chat), or when the session cannot switch (forwarding modes, not in play).
 * `Sessions.switchTo` gives the same as a {@link SwitchOutcome} with the reason.
 */
import type { JsonObject } from "../protocol/Disconnect.ts"

export type ActionText = string | JsonObject

/** The switch target that means "the limbo, with the current server's handlers" (Infrarust's sentinel). */
export const LIMBO_TARGET = "$limbo"

export type PlayerAction =
  | { readonly _tag: "Message"; readonly text: ActionText }
  | { readonly _tag: "ActionBar"; readonly text: ActionText }
  | {
    readonly _tag: "Title"
    readonly title: ActionText
    readonly subtitle?: ActionText | undefined
    /** Ticks (1/20 s); vanilla's defaults 10, 70, 20 when absent. */
    readonly fadeIn?: number | undefined
    readonly stay?: number | undefined
    readonly fadeOut?: number | undefined
  }
  | { readonly _tag: "Kick"; readonly reason: ActionText }
  | { readonly _tag: "Switch"; readonly server: string }

/** How a switch request ended (a value: a refused switch is an answer, not an error). */
export type SwitchOutcome =
  /** The player plays on `server` now. */
  | { readonly _tag: "Switched"; readonly server: string }
  /** The player stays where it was; `reason` is what it read in chat after "Server switch failed: ". */
  | { readonly _tag: "Refused"; readonly reason: string }
  | { readonly _tag: "NotFound" }
  /** A forwarding-mode session: the proxy relays its bytes and cannot move it. */
  | { readonly _tag: "NotIntercepted" }
