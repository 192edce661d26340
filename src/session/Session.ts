/**
 * A player session: a login the proxy accepted, from the moment it is admitted until the player
 * is gone. It outlives any one backend: the backend connection is a *leg* the session can close and
 * replace (server switching, limbo), so where the player is lives in the session's state, not in
 * the connection.
 *
 *   Connecting(S) ──► Playing(S, B) ──► Switching(S → T) ──► Playing(T, B')
 *         │                 │  ▲                                   │
 *         ▼                 ▼  │                                   ▼
 *      Limbo(T?) ◄──────────────┘─────────────────────────────► Ended
 *
 * `max_players` counts a session against the server it is connecting to or playing on (while
 * switching: the one it is leaving, until the switch completes); a player held in limbo counts
 * against none, so a queue can wait for a slot.
 */
import type { ProxyMode } from "../config/ServerConfig.ts"

export type SessionState =
  | { readonly _tag: "Connecting"; readonly server: string }
  | { readonly _tag: "Playing"; readonly server: string; readonly backend: string }
  | { readonly _tag: "Switching"; readonly from: string; readonly backend: string; readonly to: string }
  | { readonly _tag: "Limbo"; readonly waitingFor: string | undefined }
  | { readonly _tag: "Ended" }

/**
 * Whose word the player's identity rests on:
 * - `claimed`: the login start of a forwarding mode; the backend authenticates later, so the proxy
 *   must not act on the UUID (anyone can claim anyone's);
 * - `offline`: an offline-mode login; the name is the identity, as on a vanilla offline server;
 * - `online`: authenticated by the proxy against the session server (client_only).
 */
export type Identity = "claimed" | "offline" | "online"

export interface SessionInfo {
  readonly id: number
  /** The player's address after PROXY protocol resolution. */
  readonly client: string
  readonly player: string
  readonly uuid: string | undefined
  readonly identity: Identity
  readonly protocolVersion: number
  readonly mode: ProxyMode
  readonly startedAt: number
  readonly state: SessionState
  /** The last server the player was connecting to or playing on, if any. */
  readonly lastServer: string | undefined
}

/** What a session is opened with; the registry adds the id, start time and state. */
export type SessionInit = Omit<SessionInfo, "id" | "startedAt" | "state" | "lastServer">

/** The server a session counts against for `max_players` (none in limbo or after the end). */
export const serverOf = (state: SessionState): string | undefined => {
  switch (state._tag) {
    case "Connecting":
    case "Playing":
      return state.server
    case "Switching":
      return state.from
    case "Limbo":
    case "Ended":
      return undefined
  }
}

/** The backend address a session holds a connection to, for `least_players`. */
export const backendOf = (state: SessionState): string | undefined =>
  state._tag === "Playing" || state._tag === "Switching" ? state.backend : undefined

/** A session's identity is enough to end an older session of the same UUID. */
/** A new session's info: `init` named `id`, started at `startedAt`, in `state`. */
export const newSessionInfo = (init: SessionInit, id: number, startedAt: number, state: SessionState): SessionInfo => ({
  ...init,
  id,
  startedAt,
  state,
  lastServer: serverOf(state)
})

export const replacesOlder = (info: SessionInit): boolean => info.identity !== "claimed" && info.uuid !== undefined
