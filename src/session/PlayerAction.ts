/**
 * What a plugin, an admin or the console can ask of a player's session (plain data, so it can
 * cross worker threads). Only a session whose mode speaks the protocol (the intercepted modes)
 * can carry the messages; a forwarding-mode session answers none of them but Kick.
 */
import type { JsonObject } from "../protocol/Disconnect.ts"

export type ActionText = string | JsonObject

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
  | { _tag: "Switch"; server: string }
