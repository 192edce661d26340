/**
 * The admin API's rate limit: `[web.rate_limit] requests_per_minute` per client address (the
 * TCP peer, never a header a client could forge), in fixed 60 s windows. Infrarust documents
 * "per client" but counts one global window, so one busy dashboard locked everyone out.
 *
 * Bounded memory: a window that has ended is forgotten, swept at most once a window, so the map
 * holds only the clients of the last minute. Plain synchronous code (one call per request).
 */

export const WINDOW_MS = 60_000

export interface RateDecision {
  readonly allowed: boolean
  readonly limit: number
  readonly remaining: number
  /** Seconds until the client's window ends. */
  readonly resetSeconds: number
}

export interface ClientRateLimit {
  readonly take: (client: string, limit: number, now: number) => RateDecision
  /** Clients currently tracked (tests). */
  readonly size: () => number
}

export const makeClientRateLimit = (): ClientRateLimit => {
  const windows = new Map<string, { start: number; count: number }>()
  let lastSweep = 0

  const sweep = (now: number) => {
    if (now - lastSweep < WINDOW_MS) return
    lastSweep = now
    for (const [client, w] of windows) if (now - w.start >= WINDOW_MS) windows.delete(client)
  }

  const take = (client: string, limit: number, now: number): RateDecision => {
    sweep(now)
    let w = windows.get(client)
    if (w === undefined || now - w.start >= WINDOW_MS) {
      w = { start: now, count: 0 }
      windows.set(client, w)
    }
    const resetSeconds = Math.max(1, Math.ceil((w.start + WINDOW_MS - now) / 1000))
    if (w.count >= limit) return { allowed: false, limit, remaining: 0, resetSeconds }
    w.count++
    return { allowed: true, limit, remaining: limit - w.count, resetSeconds }
  }

  return { take, size: () => windows.size }
}
