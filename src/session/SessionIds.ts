/**
 * Session ids. One process counts them itself; with worker threads every thread takes them from
 * one counter in shared memory, so a worker can name a new session without asking the
 * coordinator and no two sessions ever share an id.
 */

/** A source of new session ids: 1, 2, 3, ... */
export type SessionIds = () => number

export const localSessionIds = (): SessionIds => {
  let next = 1
  return () => next++
}

/** The counter's memory, made by the coordinator and handed to every worker. */
export const sessionIdMemory = (): SharedArrayBuffer => new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT)

export const sharedSessionIds = (memory: SharedArrayBuffer): SessionIds => {
  const counter = new Int32Array(memory)
  return () => Atomics.add(counter, 0, 1) + 1
}
