/**
 * The admin event stream's wire format (reference §2.19): each proxy event that admins care
 * about becomes an SSE event named with its dotted type, whose data is
 * `{"type":"<PascalCase>","data":{…}}`. Pure: the caller adds the time.
 *
 * Unlike Infrarust, a join is reported for every mode (passthrough included) from
 * `ServerConnected`, with its server; bans and backend health are reported too.
 */
import type { ProxyEvent } from "../event/ProxyEvent.ts"

export const SSE_TYPES = [
  "player.join",
  "player.leave",
  "player.switch",
  "server.state_change",
  "server.health",
  "config.reload",
  "ban.created",
  "ban.removed",
  "stats.tick"
] as const
export type SseType = typeof SSE_TYPES[number]

export interface SseEvent {
  readonly name: SseType
  readonly type: string
  readonly data: Readonly<Record<string, unknown>>
  /** One line for the recent-activity list and the dashboard (no stats ticks). */
  readonly summary: string
}

/** The SSE event of a proxy event, or undefined when the stream does not carry it. */
export const toSse = (event: ProxyEvent, timestamp: string): SseEvent | undefined => {
  switch (event._tag) {
    case "ServerConnected":
      return {
        name: "player.join",
        type: "PlayerJoin",
        data: {
          player_id: event.player.session,
          username: event.player.name,
          uuid: event.player.uuid ?? null,
          server: event.server,
          backend: event.backend,
          mode: event.player.mode,
          timestamp
        },
        summary: `${event.player.name} joined ${event.server}`
      }
    case "Disconnect":
      return {
        name: "player.leave",
        type: "PlayerLeave",
        data: {
          player_id: event.player.session,
          username: event.player.name,
          uuid: event.player.uuid ?? null,
          last_server: event.lastServer ?? null,
          timestamp
        },
        summary: `${event.player.name} left${event.lastServer === undefined ? "" : ` ${event.lastServer}`}`
      }
    case "ServerSwitch":
      return {
        name: "player.switch",
        type: "PlayerSwitch",
        data: { player_id: event.player.session, username: event.player.name, from: event.previous, to: event.server, timestamp },
        summary: `${event.player.name} moved from ${event.previous} to ${event.server}`
      }
    case "ServerStateChange":
      return {
        name: "server.state_change",
        type: "ServerStateChange",
        data: { server: event.server, old_state: event.from, new_state: event.to, timestamp },
        summary: `${event.server}: ${event.from} → ${event.to}`
      }
    case "BackendHealthChange":
      return {
        name: "server.health",
        type: "ServerHealth",
        data: { server: event.server, backend: event.backend, healthy: event.healthy, reason: event.reason ?? null, timestamp },
        summary: `${event.server}: backend ${event.backend} is ${event.healthy ? "up" : `down (${event.reason ?? "no reason"})`}`
      }
    case "ConfigReload":
      return {
        name: "config.reload",
        type: "ConfigReload",
        data: { source: event.source, added: event.added, updated: event.updated, removed: event.removed, timestamp },
        summary: event.source === "config"
          ? "infrarust.toml reloaded"
          : `servers reloaded (${event.added.length} added, ${event.updated.length} updated, ${event.removed.length} removed)`
      }
    case "BanCreated":
      return {
        name: "ban.created",
        type: "BanCreated",
        data: {
          target_type: event.ban.target.type,
          target_value: event.ban.target.value,
          reason: event.ban.reason ?? null,
          expires_at: event.ban.expiresAt === undefined ? null : new Date(event.ban.expiresAt * 1000).toISOString(),
          source: event.ban.source,
          timestamp
        },
        summary: `${event.ban.target.type} ${event.ban.target.value} banned by ${event.ban.source}`
      }
    case "BanRemoved":
      return {
        name: "ban.removed",
        type: "BanRemoved",
        data: { target_type: event.target.type, target_value: event.target.value, source: event.source, timestamp },
        summary: `${event.target.type} ${event.target.value} unbanned by ${event.source}`
      }
    default:
      return undefined
  }
}

/** `types=player.join,ban.created` → the set asked for; empty or absent = every type. */
export const parseTypes = (text: string | undefined): ReadonlySet<string> | undefined => {
  const types = (text ?? "").split(",").map((t) => t.trim()).filter((t) => t !== "")
  return types.length === 0 ? undefined : new Set(types)
}

/** One SSE frame. JSON never contains a raw newline, so `data:` is one line. */
export const frame = (name: string, data: unknown): string => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`

/** A comment frame (keep-alive): ignored by EventSource, keeps proxies from timing out. */
export const comment = (text: string): string => `: ${text}\n\n`
