/**
 * The global `max_connections` across worker threads: one counter in a SharedArrayBuffer that
 * every worker's accept loop updates with atomics, so the cap is exact without any message on
 * the accept path.
 *
 * Layout (Int32 cells): `[live total, cap, live of worker 0..n-1, accepted by worker 0..n-1]`.
 * - `take` is a compare-and-swap loop on the total: two workers can never both take the last
 *   slot. It also counts the connection against its worker.
 * - `give` returns the slot when the socket closes.
 * - `reclaim` (coordinator) returns every slot a worker still held when it died: a dead
 *   thread's sockets are gone, and no other thread writes its cell, so nothing is lost.
 * - `accepted` counts connections per worker (for the operator and the tests).
 */
import type { ConnectionSlotsView } from "../connection/Listener.ts"

const TOTAL = 0
const CAP = 1
const LIVE = 2

export interface ConnectionSlots {
  readonly buffer: SharedArrayBuffer
  readonly workers: number
  /** The listener's view for worker `index`. */
  readonly forWorker: (index: number) => ConnectionSlotsView
  /** Gives back the slots worker `index` held (it exited); how many. */
  readonly reclaim: (index: number) => number
  /** Live connections: in total and per worker. */
  readonly live: () => { readonly total: number; readonly perWorker: ReadonlyArray<number> }
  /** Connections each worker accepted (over the cap included), since start. */
  readonly accepted: () => ReadonlyArray<number>
}

/** Slots over an existing buffer (a worker receives it in its workerData). */
export const slotsOf = (buffer: SharedArrayBuffer): ConnectionSlots => {
  const cells = new Int32Array(buffer)
  const workers = (cells.length - LIVE) / 2
  const forWorker = (index: number): ConnectionSlotsView => {
    const mine = LIVE + index
    const acceptedCell = LIVE + workers + index
    return {
      take: () => {
        Atomics.add(cells, acceptedCell, 1)
        const cap = Atomics.load(cells, CAP)
        for (;;) {
          const current = Atomics.load(cells, TOTAL)
          if (cap > 0 && current >= cap) return false
          if (Atomics.compareExchange(cells, TOTAL, current, current + 1) === current) break
        }
        Atomics.add(cells, mine, 1)
        return true
      },
      give: () => {
        Atomics.sub(cells, mine, 1)
        Atomics.sub(cells, TOTAL, 1)
      }
    }
  }
  return {
    buffer,
    workers,
    forWorker,
    reclaim: (index) => {
      const held = Atomics.exchange(cells, LIVE + index, 0)
      if (held !== 0) Atomics.sub(cells, TOTAL, held)
      return held
    },
    live: () => ({
      total: Atomics.load(cells, TOTAL),
      perWorker: Array.from({ length: workers }, (_, i) => Atomics.load(cells, LIVE + i))
    }),
    accepted: () => Array.from({ length: workers }, (_, i) => Atomics.load(cells, LIVE + workers + i))
  }
}

/** New slots for `workers` workers and a cap of `maxConnections` (0 = unlimited). */
export const makeSlots = (workers: number, maxConnections: number): ConnectionSlots => {
  const buffer = new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT * (LIVE + 2 * workers))
  // A U32 config value above Int32 range means "no practical cap".
  Atomics.store(new Int32Array(buffer), CAP, Math.min(maxConnections, 0x7fffffff))
  return slotsOf(buffer)
}
