/**
 * The premium lookups' answers, kept `ttlMs` and at most `capacity` of them: a player who
 * reconnects (or a bot that reconnects a hundred times) costs one lookup per TTL, and a flood of
 * random names cannot grow memory without end (the oldest answer goes first). Keys are given in
 * lower case by the caller. The caller passes the time.
 */
export class AnswerCache<V> {
  /** Insertion order is age order: a refreshed key is deleted and set again. */
  private readonly entries = new Map<string, { readonly value: V; readonly expires: number }>()

  private readonly capacity: number
  private readonly ttlMs: number

  constructor(capacity: number, ttlMs: number) {
    this.capacity = capacity
    this.ttlMs = ttlMs}

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expires > now) return entry.value
    this.entries.delete(key)
    return undefined
  }

  set(key: string, value: V, now: number): void {
    if (this.capacity === 0 || this.ttlMs === 0) return
    this.entries.delete(key)
    this.entries.set(key, { value, expires: now + this.ttlMs })
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!)
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  get size(): number {
    return this.entries.size
  }
}
