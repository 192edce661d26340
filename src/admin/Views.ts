/**
 * Pure conversions from the proxy's own records to the admin API's bodies (ApiModels.ts), and
 * the small text helpers the API and the console share (durations, pages).
 */
import { isForwardingMode } from "../config/ServerConfig.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { BackendView } from "../backend/Balancer.ts"
import type { BanEntry } from "../security/Ban.ts"
import type { SessionInfo } from "../session/Session.ts"
import type { Ban, Player, Server } from "./ApiModels.ts"

/** "3d 4h", "1h 2m 3s", "42s" (whole seconds; at most three units). */
export const humanDuration = (ms: number): string => {
  let seconds = Math.max(0, Math.floor(ms / 1000))
  const units: Array<[string, number]> = [["d", 86_400], ["h", 3600], ["m", 60], ["s", 1]]
  const parts: Array<string> = []
  for (const [unit, size] of units) {
    const n = Math.floor(seconds / size)
    seconds -= n * size
    if (n > 0 || (unit === "s" && parts.length === 0)) parts.push(`${n}${unit}`)
  }
  return parts.slice(0, 3).join(" ")
}

const iso = (ms: number): string => new Date(ms).toISOString()

/** The server a session is on or heading to (null in limbo or once ended). */
export const serverOfSession = (s: SessionInfo): string | null => {
  switch (s.state._tag) {
    case "Connecting":
    case "Playing":
      return s.state.server
    case "Switching":
      return s.state.to
    case "Limbo":
      return s.state.waitingFor ?? null
    case "Ended":
      return null
  }
}

/** The address part of `host:port` / `[v6]:port`. */
export const hostOf = (address: string): string => {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(address)
  if (v6 !== null) return v6[1]!
  const colon = address.lastIndexOf(":")
  return colon > 0 && address.indexOf(":") === colon ? address.slice(0, colon) : address
}

export const playerView = (s: SessionInfo, now: number): Player => ({
  id: s.id,
  username: s.player,
  uuid: s.uuid ?? null,
  ip: hostOf(s.client),
  server: serverOfSession(s),
  is_active: !isForwardingMode(s.mode),
  connected_since: iso(s.startedAt),
  connected_duration: humanDuration(now - s.startedAt),
  mode: s.mode,
  state: s.state._tag
})

export const banView = (b: BanEntry, now: number): Ban => ({
  target_type: b.target.type,
  target_value: b.target.value,
  reason: b.reason ?? null,
  expires_at: b.expiresAt === undefined ? null : iso(b.expiresAt * 1000),
  expires_in: b.expiresAt === undefined ? null : humanDuration(b.expiresAt * 1000 - now),
  created_at: iso(b.createdAt * 1000),
  source: b.source,
  permanent: b.expiresAt === undefined
})

/** `up` when a backend takes players, `down` when none does, `unknown` when nothing checks them. */
export const healthOf = (backends: ReadonlyArray<BackendView>): "up" | "down" | "unknown" =>
  backends.length === 0 || backends.every((b) => b.mode === "none")
    ? "unknown"
    : backends.some((b) => b.inRotation)
    ? "up"
    : "down"

export const serverView = (
  server: LoadedServer,
  info: { readonly state: string | undefined; readonly players: number; readonly backends: ReadonlyArray<BackendView> }
): Server => ({
  id: server.id,
  addresses: server.config.addresses.map((a) => a.text),
  domains: server.config.domains,
  proxy_mode: server.config.proxyMode,
  state: info.state ?? null,
  player_count: info.players,
  is_api_managed: server.file === "servers.json",
  has_server_manager: server.config.serverManager !== undefined,
  health: healthOf(info.backends),
  backends: info.backends.map((b) => ({
    address: b.backend,
    weight: b.weight,
    health_mode: b.mode,
    healthy: b.healthy,
    in_rotation: b.inRotation,
    failures: b.failures,
    last_failure: b.lastFailure ?? null,
    players: b.players
  }))
})

export interface PageRequest {
  readonly page?: number | undefined
  readonly per_page?: number | undefined
}

/** Infrarust's pagination: page ≥ 1 (0 becomes 1), per_page 1..100 (default 20). */
export const paginate = <A>(items: ReadonlyArray<A>, request: PageRequest) => {
  const perPage = Math.min(100, Math.max(1, Math.floor(request.per_page ?? 20)))
  const page = Math.max(1, Math.floor(request.page ?? 1))
  const total = items.length
  return {
    data: items.slice((page - 1) * perPage, page * perPage),
    meta: { total, page, per_page: perPage, total_pages: Math.ceil(total / perPage) }
  }
}
