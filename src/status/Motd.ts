/**
 * Status responses the proxy writes itself: the `[default_motd]` for unknown domains and the
 * `[motd.<state>]` entries when a backend cannot answer.
 *
 * The reply reports the client's own protocol number, so no client shows "incompatible
 * version" for a proxy-made MOTD (Infrarust always claims 774).
 */
import type { MotdConfig, MotdEntry, MotdState } from "../config/MotdConfig.ts"

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

const parseJson = (text: string): unknown => {
  // JSON.parse is the only standard parser, and it reports bad input by throwing.
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

export const statusJson = (s: SyntheticStatus): string =>
  JSON.stringify({
    version: { name: s.versionName, protocol: s.protocol },
    players: { max: s.maxPlayers, online: s.onlinePlayers },
    description: descriptionOf(s.text),
    ...(s.favicon !== undefined ? { favicon: s.favicon } : {})
  })

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

/** Text for an unknown domain when `[default_motd]` has no `online` entry. */
export const UNKNOWN_DOMAIN_TEXT = "§cUnknown server"

/** The entry for `state`: the server's own, else the global default, else undefined. */
export const motdEntry = (
  state: MotdState,
  server: MotdConfig | undefined,
  global: MotdConfig | undefined
): MotdEntry | undefined => server?.[state] ?? global?.[state]
