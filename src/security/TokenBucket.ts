/**
 * Per-key token buckets with bounded memory (pure; the caller passes the time).
 *
 * Each bucket holds `limit` tokens and gains one every `window / limit`, like Infrarust's
 * governor quota (burst = `limit`). It is stored as a single number, its *theoretical arrival
 * time* (GCRA): the instant at which the bucket will be full again. A request is allowed when
 * taking a token leaves that instant at most `window` ahead of now.
 *
 * Invariants that keep memory bounded under floods from many addresses:
 * - a key whose arrival time has passed is indistinguishable from a key never seen, so
 *   {@link BucketTable.sweep} drops it without changing any decision;
 * - the table never holds more than `maxKeys` keys: a new key at the cap first evicts the
 *   oldest-created one (O(1)). That client starts again with a full bucket, which is the only
 *   leniency an attacker with more than `maxKeys` addresses can get.
 */

export interface BucketTable {
  /**
   * Takes one token from `key`'s bucket. Returns 0 when it was taken, otherwise the number of
   * milliseconds until one will be available (and takes nothing). `limit <= 0` or
   * `windowMs <= 0` means unlimited: always 0, and nothing is stored.
   */
  readonly take: (key: string, now: number, limit: number, windowMs: number) => number
  /** Drops every key whose bucket is full again by `now`; the number dropped. */
  readonly sweep: (now: number) => number
  readonly size: () => number
  /** Takes refused since the last call (a worker's refusals count in the coordinator's summary too). */
  readonly takeRefused: () => number
}

/** Tolerance for float rounding of `window / limit` (a burst of `limit` must fit exactly). */
const EPSILON_MS = 1e-6

export const makeBucketTable = (maxKeys: number): BucketTable => {
  const arrivals = new Map<string, number>()
  let refused = 0
  return {
    take: (key, now, limit, windowMs) => {
      if (limit <= 0 || windowMs <= 0) return 0
      const interval = windowMs / limit
      const previous = arrivals.get(key)
      const next = Math.max(previous ?? now, now) + interval
      if (next - now > windowMs + EPSILON_MS) {
        refused++
        return Math.max(1, Math.ceil(next - now - windowMs))
      }
      if (previous === undefined && arrivals.size >= maxKeys) {
        const oldest = arrivals.keys().next()
        if (oldest.done !== true) arrivals.delete(oldest.value)
      }
      arrivals.set(key, next)
      return 0
    },
    sweep: (now) => {
      let dropped = 0
      for (const [key, arrival] of arrivals) {
        if (arrival <= now) {
          arrivals.delete(key)
          dropped++
        }
      }
      return dropped
    },
    size: () => arrivals.size,
    takeRefused: () => {
      const taken = refused
      refused = 0
      return taken
    }
  }
}
