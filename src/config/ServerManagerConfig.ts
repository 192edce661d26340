/**
 * `[server_manager]` in a server file: who starts and stops the backend on demand. Internally
 * tagged on `type`, as Infrarust's serde enum: `local` (a child process), `pterodactyl` or
 * `crafty` (panel APIs with the same keys).
 */
import { Schema } from "effect"
import { HumanDuration } from "./HumanDuration.ts"
import { Str, StringList, table, withDefault } from "./TomlSchema.ts"

const panel = <T extends "pterodactyl" | "crafty">(type: T) =>
  table({
    type: Schema.Literal(type),
    apiUrl: Str,
    apiKey: Str,
    serverId: Str,
    /** Idle time before the server is stopped; absent = never. */
    shutdownAfter: Schema.optionalKey(HumanDuration),
    startTimeout: withDefault(HumanDuration, "60s"),
    pollInterval: withDefault(HumanDuration, "5s")
  })

export const LocalManagerConfig = table({
  type: Schema.Literal("local"),
  command: Str,
  /** Relative to the proxy's working directory. */
  workingDir: Str,
  args: withDefault(StringList, []),
  /** Substring of a stdout line that means the server is up. */
  readyPattern: withDefault(Str, `For help, type "help"`),
  shutdownTimeout: withDefault(HumanDuration, "30s"),
  shutdownAfter: Schema.optionalKey(HumanDuration),
  startTimeout: withDefault(HumanDuration, "60s")
})

export const PterodactylManagerConfig = panel("pterodactyl")
export const CraftyManagerConfig = panel("crafty")

export const ServerManagerConfig = Schema.Union([LocalManagerConfig, PterodactylManagerConfig, CraftyManagerConfig])
export type ServerManagerConfig = typeof ServerManagerConfig.Type
