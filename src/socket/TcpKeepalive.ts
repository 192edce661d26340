/**
 * TCP keepalive from `[keepalive]` on both legs (client and backend sockets).
 *
 * Node's `socket.setKeepAlive(true, delay)` sets only the idle time before the first probe
 * (TCP_KEEPIDLE); libuv then fixes the probe interval and count itself. Where the native addon
 * is loaded (Linux, see src/native), TCP_KEEPINTVL and TCP_KEEPCNT are set too, so `interval`
 * and `retries` apply exactly as configured; elsewhere only `time` applies (docs/load-balancer.md).
 */
import { Duration } from "effect"
import type * as Net from "node:net"
import type { KeepaliveConfig } from "../config/GlobalTables.ts"
import { defaultAddon } from "../native/Addon.ts"
import { SpliceStartError } from "../native/SpliceStartError.ts"

export interface KeepaliveSettings {
  readonly idleMs: number
  readonly intervalMs: number
  readonly retries: number
}

export const keepaliveSettings = (config: KeepaliveConfig): KeepaliveSettings => ({
  idleMs: Duration.toMillis(config.time),
  intervalMs: Duration.toMillis(config.interval),
  retries: config.retries
})

/** What could be applied: all three knobs, or the idle time only (no addon / not Linux). */
export type KeepaliveApplied = "all" | "idle-only"

const fdOf = (socket: Net.Socket): number | undefined => {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd
  return typeof fd === "number" && fd >= 0 ? fd : undefined
}

/** Kernel options take whole seconds, at least 1. */
const secs = (ms: number) => Math.max(1, Math.ceil(ms / 1000))

export const applyKeepalive = (socket: Net.Socket, k: KeepaliveSettings): KeepaliveApplied => {
  // The addon turns keepalive on and sets all three knobs; Node's own call would repeat four of
  // those system calls (two sockets per login), so it is the fallback only.
  const native = defaultAddon()
  const fd = fdOf(socket)
  if (!(native instanceof SpliceStartError) && fd !== undefined && native.keepalive(fd, secs(k.idleMs), secs(k.intervalMs), Math.max(1, k.retries)) === undefined) {
    return "all"
  }
  socket.setKeepAlive(true, k.idleMs)
  return "idle-only"
}

/** The socket's current keepalive settings, where the addon can read them (tests, diagnostics). */
export const readKeepalive = (socket: Net.Socket): { enabled: boolean; idleSec: number; intervalSec: number; count: number } | undefined => {
  const native = defaultAddon()
  const fd = fdOf(socket)
  if (native instanceof SpliceStartError || fd === undefined) return undefined
  const [enabled, idleSec, intervalSec, count] = native.keepaliveOf(fd)
  return { enabled: enabled === 1, idleSec, intervalSec, count }
}

/** The socket's TCP_NODELAY, where the addon can read it (tests, diagnostics). */
export const readNoDelay = (socket: Net.Socket): boolean | undefined => {
  const native = defaultAddon()
  const fd = fdOf(socket)
  if (native instanceof SpliceStartError || fd === undefined) return undefined
  const on = native.noDelayOf(fd)
  return on === -1 ? undefined : on === 1
}
