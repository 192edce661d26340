/**
 * MOTD overrides: `[default_motd.<state>]` in `infrarust.toml` and `[motd.<state>]` in server
 * files. Each state is optional; an entry needs at least its `text`.
 *
 * `favicon` is a PNG path (relative to the config file's directory), a base64 string or a
 * `data:image/png;base64,...` URI; it is kept as written and read by the status code.
 */
import { Schema } from "effect"
import { Str, table, U32 } from "./TomlSchema.ts"

export const MotdEntry = table({
  /** MOTD text; `§` formatting codes pass through. */
  text: Str,
  favicon: Schema.optionalKey(Str),
  /** Version string shown by the client instead of the backend's. */
  versionName: Schema.optionalKey(Str),
  /** Max players shown in the list. */
  maxPlayers: Schema.optionalKey(U32)
})
export type MotdEntry = typeof MotdEntry.Type

/** The server states an MOTD can be set for. */
export const motdStates = ["online", "offline", "sleeping", "starting", "crashed", "stopping", "unreachable"] as const
export type MotdState = typeof motdStates[number]

export const MotdConfig = table({
  online: Schema.optionalKey(MotdEntry),
  offline: Schema.optionalKey(MotdEntry),
  sleeping: Schema.optionalKey(MotdEntry),
  starting: Schema.optionalKey(MotdEntry),
  crashed: Schema.optionalKey(MotdEntry),
  stopping: Schema.optionalKey(MotdEntry),
  unreachable: Schema.optionalKey(MotdEntry)
})
export type MotdConfig = typeof MotdConfig.Type
