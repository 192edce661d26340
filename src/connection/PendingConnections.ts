/**
 * The connections the proxy is still waiting on (slowloris floods, silent sockets): from accept
 * through their PROXY header, handshake or status exchange, until their login start. Plain
 * synchronous bookkeeping on the accept path; no Effect, no timer.
 *
 * Three bounds, each closing the *oldest* waiting connection to make room, so idle half-open
 * connections can never lock real players out (a real client sends its handshake and login start
 * within a round trip):
 * - per client address (`[limits] max_pending_per_address`): one address holding many silent
 *   sockets only ever evicts its own;
 * - in total (`[limits] max_pending_handshakes`);
 * - at `max_connections`: the listener asks {@link PendingConnections.evictOldest} for room
 *   before it refuses a new connection (connection/Listener.ts).
 *
 * Evictions are counted by reason; {@link PendingConnections.takeCounts} hands them to the one
 * summary line a minute (ConnectionHandler.ts) instead of a line per connection.
 */
import type * as Net from "node:net"
import type { CachedReply } from "./StatusShortcut.ts"

export interface PendingEntry {
  readonly socket: Net.Socket
  /** The client address (or its IPv6 network) it counts against; undefined until known (PROXY). */
  key: string | undefined
  left: boolean
  /** The bytes the arrival gate read while waiting for the first packet (ArrivalGate.ts). */
  held: Uint8Array | undefined
  /**
   * What the arrival gate's status answer decided (GateAnswer.ts): undefined = not looked at,
   * null = not a cached ping, a reply = a cached ping the connection's fiber answers.
   */
  shortcut: CachedReply | null | undefined
}

export interface PendingCounts {
  /** Closed to make room under the per-address cap. */
  readonly perAddress: number
  /** Closed to make room under the total cap. */
  readonly total: number
  /** Closed to make room at `max_connections`. */
  readonly maxConnections: number
  /** Closed because their first packet did not come in time (silent or trickling). */
  readonly silent: number
  /** Refused at `max_connections` with no half-open connection to close instead. */
  readonly refused: number
  /** Distinct client addresses among the evicted (bounded count). */
  readonly addresses: number
}

export interface PendingLimits {
  /** 0 = no cap. */
  readonly maxTotal: number
  /** 0 = no cap. */
  readonly maxPerAddress: number
}

/** Distinct evicted addresses counted per summary, at most (memory stays bounded). */
const MAX_COUNTED_ADDRESSES = 10_000

export class PendingConnections {
  /** Oldest first (a Map keeps insertion order). */
  private readonly entries = new Map<Net.Socket, PendingEntry>()
  private readonly byKey = new Map<string, Set<PendingEntry>>()
  private counts = { perAddress: 0, total: 0, maxConnections: 0, silent: 0, refused: 0 }
  private addresses = new Set<string>()

  get size(): number {
    return this.entries.size
  }

  /** Registers `socket`, closing the oldest waiting connections the limits require. */
  enter(socket: Net.Socket, key: string | undefined, limits: PendingLimits): PendingEntry {
    if (limits.maxTotal > 0) {
      while (this.entries.size >= limits.maxTotal) {
        const oldest = this.entries.values().next()
        if (oldest.done === true) break
        this.evict(oldest.value, "total")
      }
    }
    const entry: PendingEntry = { socket, key: undefined, left: false, held: undefined, shortcut: undefined }
    this.entries.set(socket, entry)
    if (key !== undefined) this.identify(entry, key, limits.maxPerAddress)
    return entry
  }

  /** The entry of `socket`, while it is waiting. */
  entryOf(socket: Net.Socket): PendingEntry | undefined {
    return this.entries.get(socket)
  }

  /** The client address became known (after a PROXY header): counts it there, evicting its oldest at the cap. */
  identify(entry: PendingEntry, key: string, maxPerAddress: number): void {
    if (entry.left) return
    this.unkey(entry)
    let same = this.byKey.get(key)
    if (same === undefined) this.byKey.set(key, same = new Set())
    if (maxPerAddress > 0) {
      while (same.size >= maxPerAddress) {
        const oldest = same.values().next()
        if (oldest.done === true) break
        this.evict(oldest.value, "perAddress")
      }
    }
    entry.key = key
    same.add(entry)
  }

  /** It stopped waiting (login start read, or the connection ended). */
  leave(entry: PendingEntry): void {
    if (entry.left) return
    entry.left = true
    this.entries.delete(entry.socket)
    this.unkey(entry)
  }

  /**
   * At `max_connections`: closes the oldest waiting connection that is still open, and returns
   * its socket (its slot goes to the new connection), or undefined when none is waiting.
   */
  evictOldest(): Net.Socket | undefined {
    for (const entry of this.entries.values()) {
      if (entry.socket.closed) {
        // Closed already (its fiber has not left yet): its slot was given back; skip it.
        this.leave(entry)
        continue
      }
      this.evict(entry, "maxConnections")
      return entry.socket
    }
    return undefined
  }

  /** A connection closed because its first bytes did not come in time. */
  countSilent(entry: PendingEntry): void {
    this.counts.silent++
    this.countAddress(entry)
  }

  /** A connection refused at `max_connections`, none waiting to be closed instead. */
  countRefused(): void {
    this.counts.refused++
  }

  /** What happened since the last call, and resets the counts. */
  takeCounts(): PendingCounts {
    const taken = { ...this.counts, addresses: this.addresses.size }
    this.counts = { perAddress: 0, total: 0, maxConnections: 0, silent: 0, refused: 0 }
    this.addresses = new Set()
    return taken
  }

  private evict(entry: PendingEntry, reason: "perAddress" | "total" | "maxConnections"): void {
    this.leave(entry)
    this.counts[reason]++
    this.countAddress(entry)
    entry.socket.destroy()
  }

  private countAddress(entry: PendingEntry): void {
    const address = entry.key ?? entry.socket.remoteAddress
    if (address !== undefined && this.addresses.size < MAX_COUNTED_ADDRESSES) this.addresses.add(address)
  }

  private unkey(entry: PendingEntry): void {
    if (entry.key === undefined) return
    const same = this.byKey.get(entry.key)
    if (same !== undefined) {
      same.delete(entry)
      if (same.size === 0) this.byKey.delete(entry.key)
    }
    entry.key = undefined
  }
}

/** The one line a minute that sums up what the pending bounds did; undefined when nothing happened. */
export const describePendingCounts = (c: PendingCounts, limits: PendingLimits & { readonly firstPacketTimeout: string }): string | undefined => {
  const parts: Array<string> = []
  if (c.silent > 0) parts.push(`${c.silent} sent no complete first packet within ${limits.firstPacketTimeout}`)
  if (c.perAddress > 0) parts.push(`${c.perAddress} over max_pending_per_address (${limits.maxPerAddress})`)
  if (c.total > 0) parts.push(`${c.total} over max_pending_handshakes (${limits.maxTotal})`)
  if (c.maxConnections > 0) parts.push(`${c.maxConnections} to make room at max_connections`)
  const closed = c.silent + c.perAddress + c.total + c.maxConnections
  if (closed === 0 && c.refused === 0) return undefined
  const refused = c.refused > 0 ? `; refused ${c.refused} at max_connections with none waiting to close` : ""
  return `pending connections: closed ${closed} half-open connection(s) from ${c.addresses} address(es) since the last report` +
    (parts.length > 0 ? ` (${parts.join(", ")})` : "") + refused
}
