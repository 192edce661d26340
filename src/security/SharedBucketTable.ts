/**
 * The token buckets of TokenBucket.ts in shared memory, for data-plane worker threads: every
 * worker takes its tokens from the same table, with no round trip to the coordinator, and the
 * limits stay exact (one lock around every take, so two workers racing for a client's last
 * token cannot both get it).
 *
 * The same GCRA as TokenBucket.ts: each key holds one number, its theoretical arrival time;
 * a key whose time has passed is the same as a key never seen. Layout (one SharedArrayBuffer):
 * a 64-byte header (the lock, the refusal count, the number of keys held) and a power of two
 * of 64-byte slots, each the arrival time (float64), the key's length + 1 (0 = an empty slot)
 * and the key's characters (addresses and IPv6 networks are ASCII, at most {@link KEY_CHARS}).
 * A key lives within {@link PROBE} slots of its hash. A slot whose time has passed is reused by
 * the next new key of its neighbourhood; with no such slot the one closest to full again is
 * taken (its client starts again with a full bucket: the same leniency as the Map table's
 * eviction at its cap, chosen by what it forgets rather than by age). `sweep` rebuilds the
 * table without the keys whose time has passed, keeping neighbourhoods short.
 *
 * Plain code: the lock is an Atomics compare-exchange (waiting in `Atomics.wait` when taken),
 * held for a lookup and a store, never across anything that can block.
 */
import { MAX_TRACKED_KEYS, type RateTables } from "./RateLimiter.ts"
import type { BucketTable } from "./TokenBucket.ts"

const SLOT_BYTES = 64
const HEADER_BYTES = 64
/** Longest key kept whole; longer ones (never an address) keep their first characters. */
export const KEY_CHARS = SLOT_BYTES - 9
/** How many slots from its hash a key may live. */
const PROBE = 32
const EPSILON_MS = 1e-6
/** Header words (Int32): the lock, refusals since last read, keys held. */
const LOCK = 0
const REFUSED = 1
const SIZE = 2

/** The memory of a table of `slots` slots (rounded up to a power of two, at least {@link PROBE}). */
export const sharedBucketMemory = (slots: number): SharedArrayBuffer => {
  let n = PROBE
  while (n < slots) n *= 2
  return new SharedArrayBuffer(HEADER_BYTES + n * SLOT_BYTES)
}

export const sharedBucketTable = (buffer: SharedArrayBuffer): BucketTable => {
  const header = new Int32Array(buffer, 0, HEADER_BYTES / 4)
  const times = new Float64Array(buffer, HEADER_BYTES)
  const bytes = new Uint8Array(buffer, HEADER_BYTES)
  const slots = (buffer.byteLength - HEADER_BYTES) / SLOT_BYTES
  const mask = slots - 1
  const timeAt = (slot: number) => times[slot * (SLOT_BYTES / 8)]!
  const setTime = (slot: number, value: number) => void (times[slot * (SLOT_BYTES / 8)] = value)
  const lengthAt = (slot: number) => bytes[slot * SLOT_BYTES + 8]!

  const lock = () => {
    while (Atomics.compareExchange(header, LOCK, 0, 1) !== 0) Atomics.wait(header, LOCK, 1, 1)
  }
  const unlock = () => {
    Atomics.store(header, LOCK, 0)
    Atomics.notify(header, LOCK, 1)
  }

  const hash = (key: string) => {
    let h = 0x811c9dc5
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193)
    return h >>> 0
  }
  const holds = (slot: number, key: string, length: number) => {
    if (lengthAt(slot) !== length + 1) return false
    const at = slot * SLOT_BYTES + 9
    for (let i = 0; i < length; i++) if (bytes[at + i] !== (key.charCodeAt(i) & 0xff)) return false
    return true
  }
  const store = (slot: number, key: string, length: number, time: number) => {
    const at = slot * SLOT_BYTES + 9
    for (let i = 0; i < length; i++) bytes[at + i] = key.charCodeAt(i) & 0xff
    bytes[at - 1] = length + 1
    setTime(slot, time)
  }

  /** The slot holding `key`, or (negative, -slot - 1) where a new key goes. */
  const find = (key: string, length: number, now: number): number => {
    const start = hash(key) & mask
    let free = -1
    let closest = start
    for (let i = 0; i < PROBE; i++) {
      const slot = (start + i) & mask
      if (lengthAt(slot) === 0) return -(free === -1 ? slot : free) - 1
      if (holds(slot, key, length)) return slot
      const time = timeAt(slot)
      if (free === -1 && time <= now) free = slot
      if (time < timeAt(closest)) closest = slot
    }
    return -(free === -1 ? closest : free) - 1
  }

  const take = (key: string, now: number, limit: number, windowMs: number): number => {
    if (limit <= 0 || windowMs <= 0) return 0
    const interval = windowMs / limit
    const length = Math.min(key.length, KEY_CHARS)
    lock()
    const slot = find(key, length, now)
    const previous = slot >= 0 ? timeAt(slot) : now
    const next = Math.max(previous, now) + interval
    let wait = 0
    if (next - now > windowMs + EPSILON_MS) {
      wait = Math.max(1, Math.ceil(next - now - windowMs))
      Atomics.add(header, REFUSED, 1)
    } else if (slot >= 0) {
      setTime(slot, next)
    } else {
      const target = -slot - 1
      if (lengthAt(target) === 0) Atomics.add(header, SIZE, 1)
      store(target, key, length, next)
    }
    unlock()
    return wait
  }

  const sweep = (now: number): number => {
    lock()
    const kept: Array<readonly [string, number]> = []
    const held: Array<number> = []
    let dropped = 0
    for (let slot = 0; slot < slots; slot++) {
      const length = lengthAt(slot) - 1
      if (length < 0) continue
      held.push(slot)
      const time = timeAt(slot)
      if (time <= now) {
        dropped++
        continue
      }
      const at = slot * SLOT_BYTES + 9
      kept.push([String.fromCharCode(...bytes.subarray(at, at + length)), time])
    }
    if (dropped > 0) {
      // Only the slots in use are emptied: pages never written stay uncommitted.
      for (const slot of held) bytes[slot * SLOT_BYTES + 8] = 0
      for (const [key, time] of kept) store(-find(key, key.length, now) - 1, key, key.length, time)
      Atomics.store(header, SIZE, kept.length)
    }
    unlock()
    return dropped
  }

  return {
    take,
    sweep,
    size: () => Atomics.load(header, SIZE),
    takeRefused: () => Atomics.exchange(header, REFUSED, 0)
  }
}

/** The login and status tables' memory, made by the coordinator and handed to every worker. */
export interface SharedRateMemory {
  readonly login: SharedArrayBuffer
  readonly status: SharedArrayBuffer
}

/** Room for about {@link MAX_TRACKED_KEYS} keys per table (8 MiB each, committed as used). */
export const sharedRateMemory = (slots = 2 * MAX_TRACKED_KEYS): SharedRateMemory => ({
  login: sharedBucketMemory(slots),
  status: sharedBucketMemory(slots)
})

export const sharedRateTables = (memory: SharedRateMemory): RateTables => ({
  login: sharedBucketTable(memory.login),
  status: sharedBucketTable(memory.status)
})
