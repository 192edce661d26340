/**
 * Status responses the proxy writes itself: the `[default_motd]` for unknown domains and the
 * `[motd.<state>]` entries for servers that are offline, unreachable or in a server-manager
 * state (sleeping, starting, crashed, stopping).
 *
 * The reply reports the client's own protocol number, so no client shows "incompatible
 * version" for a proxy-made MOTD (Infrarust always claims 774).
 */
import type { MotdConfig, MotdEntry, MotdState } from "../config/MotdConfig.ts"
import { MAX_STATUS_JSON_CHARS } from "../protocol/Status.ts"

export interface SyntheticStatus {
  readonly text: string
  readonly versionName: string
  readonly protocol: number
  readonly maxPlayers: number
  readonly onlinePlayers: number
  readonly favicon?: string | undefined
}

/**
 * `text` is a JSON text component when it parses as a JSON object or array (what modern
 * servers send), else legacy text with `§` codes, sent as `{"text": ...}`.
 */
export const descriptionOf = (text: string): unknown => {
  const trimmed = text.trimStart()
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    const parsed = parseJson(trimmed)
    if (parsed !== undefined) return parsed
  }
  return { text }
}

/** `text` parsed as JSON; undefined when it is not valid JSON. */
export const parseJson = (text: string): unknown => {
  // JSON.parse is the only standard parser, and it reports bad input by throwing.
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/** The reply JSON; a favicon that would not fit in the status packet's string is left out. */
export const statusJson = (s: SyntheticStatus): string => {
  const body = {
    version: { name: s.versionName, protocol: s.protocol },
    players: { max: s.maxPlayers, online: s.onlinePlayers },
    description: descriptionOf(s.text)
  }
  if (s.favicon === undefined) return JSON.stringify(body)
  const json = JSON.stringify({ ...body, favicon: s.favicon })
  return json.length <= MAX_STATUS_JSON_CHARS ? json : JSON.stringify(body)
}

/** Default texts, as Infrarust words them. */
export const DEFAULT_STATE_TEXT: Record<MotdState, string> = {
  online: "A Minecraft Server",
  offline: "§cServer offline",
  sleeping: "§7Server sleeping — §aConnect to wake up!",
  starting: "§eServer is starting...",
  crashed: "§cServer unavailable",
  stopping: "§6Server is stopping...",
  unreachable: "§cServer unreachable"
}

/** `version.name` of proxy-made replies when the entry sets no `version_name`. */
export const SYNTHETIC_VERSION_NAME = "infrarust-ts"

/** Text for an unknown domain when `[default_motd]` has no `online` entry. */
export const UNKNOWN_DOMAIN_TEXT = "§cUnknown server"

/** The entry for `state`: the server's own, else the global default, else undefined. */
export const motdEntry = (
  state: MotdState,
  server: MotdConfig | undefined,
  global: MotdConfig | undefined
): MotdEntry | undefined => server?.[state] ?? global?.[state]
