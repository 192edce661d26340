/**
 * Lines both the in-game `/ir` commands and the stdin console print (src/admin/ConsoleCommands.ts),
 * so the two read the same: the version, and who is online where.
 */
import packageJson from "../../package.json" with { type: "json" }
import type { SessionInfo, SessionState } from "../session/Session.ts"

export const versionLine = (): string => `infrarust-ts ${packageJson.version}`

/** The server a session is on or heading to; `undefined` in limbo without a target, or once ended. */
export const placeOf = (state: SessionState): string | undefined => {
  switch (state._tag) {
    case "Connecting":
    case "Playing":
      return state.server
    case "Switching":
      return state.to
    case "Limbo":
      return state.waitingFor
    case "Ended":
      return undefined
  }
}

/** `2 player(s) online` and one line per server with its players' names. */
export const listLines = (sessions: ReadonlyArray<SessionInfo>): ReadonlyArray<string> => {
  if (sessions.length === 0) return ["No players online"]
  const byServer = new Map<string, Array<string>>()
  for (const s of sessions) {
    const server = placeOf(s.state) ?? "(limbo)"
    byServer.set(server, [...(byServer.get(server) ?? []), s.player])
  }
  return [`${sessions.length} player(s) online`, ...[...byServer].map(([server, names]) => `  ${server}: ${names.join(", ")}`)]
}

/** Where a player is, in words: `on lobby`, `moving from lobby to survival`, `in limbo`. */
export const whereLine = (s: SessionInfo): string => {
  switch (s.state._tag) {
    case "Connecting":
      return `connecting to ${s.state.server}`
    case "Playing":
      return `on ${s.state.server}`
    case "Switching":
      return `moving from ${s.state.from} to ${s.state.to}`
    case "Limbo":
      return s.state.waitingFor === undefined ? "in limbo" : `in limbo, waiting for ${s.state.waitingFor}`
    case "Ended":
      return "leaving"
  }
}
