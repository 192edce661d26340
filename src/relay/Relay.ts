/**
 * The forwarding-mode relay: moves bytes between a player and a backend after the handshake,
 * without looking at them.
 *
 * Following the measurement in docs/performance.md, the bytes never pass through Effect:
 * - backend → client (the heavy direction) arrives through `onread` into the socket's own
 *   reused buffer (ReadBuffer.ts) and is written straight to the client; when the client cannot take it at once the
 *   backend is paused until the write completes, so a slow player never grows our memory;
 * - client → backend the same way, once the player's socket reads through `onread` as well
 *   (ClientIntake.ts; Node's `pipe` where that is not possible).
 * Effect owns only the lifecycle: the relay is one `Effect.callback` that completes when both
 * sockets have closed and destroys both when interrupted (shutdown, kick, timeout).
 *
 * Half-close: when one side ends, the other side's write half is ended after the pending
 * bytes are flushed, so a backend's final disconnect packet reaches the player. Sockets are
 * destroyed only on error, idle timeout or interruption.
 */
import { Effect } from "effect"
import type * as Net from "node:net"
import type { BackendLink } from "../socket/BackendLink.ts"
import type { ReadSink } from "../socket/ReadBuffer.ts"
import { adoptWithOnread } from "./ClientIntake.ts"
import type { IdleWatch, Watched } from "./IdleWatch.ts"

export type RelayEndReason =
  | "client_closed"
  | "backend_closed"
  | "client_error"
  | "backend_error"
  | "read_timeout"
  | "write_timeout"

export interface RelayOutcome {
  /** Bytes sent to the backend during the relay (the replayed handshake included). */
  readonly c2b: number
  /** Bytes sent to the client during the relay. */
  readonly b2c: number
  readonly reason: RelayEndReason
}

export interface RelayBytes {
  readonly c2b: number
  readonly b2c: number
}

const NOTHING: RelayBytes = { c2b: 0, b2c: 0 }

/**
 * Live byte counts of a running relay, read when it ends by interruption (shutdown, kick)
 * and by metrics; the relay sets itself as the source when it starts. Reading is cheap and
 * never per chunk.
 */
export class RelayMeter {
  source: { bytes(): RelayBytes } | undefined = undefined

  bytes(): RelayBytes {
    return this.source === undefined ? NOTHING : this.source.bytes()
  }
}

export const makeMeter = (): RelayMeter => new RelayMeter()

export interface RelayOptions {
  readonly meter: RelayMeter
  /** A side that sends nothing for this long is considered gone (`timeouts.read`). */
  readonly readTimeoutMs: number
  /** Bytes waiting for a peer that takes none of them for this long end the session (`timeouts.write`). */
  readonly writeTimeoutMs: number
  readonly idleWatch: IdleWatch["Service"]
  /**
   * Bytes the backend sent that were written to the client before the relay started (its first
   * answer, mode/BackendAnswer.ts): counted as the session's, which the relay itself cannot see.
   */
  readonly sentBefore?: number | undefined
}

export const relay = (accepted: Net.Socket, link: BackendLink, options: RelayOptions): Effect.Effect<RelayOutcome> =>
  Effect.callback<RelayOutcome>((resume) => Effect.sync(new ForwardRelay(accepted, link, options, resume).stop))

/** The relay a socket belongs to, for the listeners every relay shares. */
const RELAY = Symbol("infrarust.relay")
type Relayed = Net.Socket & { [RELAY]: ForwardRelay }
const relayOf = (socket: Net.Socket): ForwardRelay => (socket as Relayed)[RELAY]

// The sockets' listeners are the same functions for every relay (Node calls them with the socket
// as `this`): an idle session keeps no closure per listener.
function onBackendEnd(this: Net.Socket) {
  relayOf(this).backendEnded()
}
function onClientEnd(this: Net.Socket) {
  relayOf(this).clientEnded()
}
function onClientError(this: Net.Socket) {
  relayOf(this).fail("client_error")
}
function onBackendError(this: Net.Socket) {
  relayOf(this).fail("backend_error")
}
function onSocketClose(this: Net.Socket) {
  relayOf(this).socketClosed()
}
// The reads of both sockets: given the socket read from (ReadBuffer.ts).
const fromBackend = (n: number, buf: Buffer, socket: Net.Socket): boolean => relayOf(socket).fromBackend(n, buf)
const CLIENT_READS: ReadSink = { onData: (n, buf, socket) => relayOf(socket).fromClient(n, buf) }

/**
 * One running relay: its state in fields, so that an idle session holds one object and the few
 * functions Node must be given per socket (the reads and the write callbacks), not a closure per
 * listener and a context for each.
 */
class ForwardRelay implements TimeoutSink {
  private readonly backend: Net.Socket
  private readonly client: Net.Socket
  private readonly adopted: boolean
  private readonly b2cStart: number
  private readonly watch: PairWatch
  private reason: RelayEndReason | undefined = undefined
  private closed = 0
  private backendPaused = false
  private clientPaused = false
  private readonly link: BackendLink
  private readonly options: RelayOptions
  private readonly resume: (effect: Effect.Effect<RelayOutcome>) => void

  constructor(accepted: Net.Socket, link: BackendLink, options: RelayOptions, resume: (effect: Effect.Effect<RelayOutcome>) => void) {
    this.link = link
    this.options = options
    this.resume = resume
    const backend = (this.backend = link.socket)
    // client → backend through its own read buffer as well (ClientIntake.ts), when the
    // player's socket can be adopted; otherwise Node's pipe (one buffer per read).
    const adopted = adoptWithOnread(accepted, CLIENT_READS)
    this.adopted = adopted !== undefined
    const client = (this.client = adopted?.socket ?? accepted)
    // Bytes written to the player before the relay are not the session's (a socket made by the
    // adoption starts counting from zero, one switched in place does not).
    this.b2cStart = client.bytesWritten - (options.sentBefore ?? 0)
    options.meter.source = this
    // The sockets lead to this relay before any read can reach the shared functions.
    ;(backend as Relayed)[RELAY] = this
    ;(client as Relayed)[RELAY] = this
    // backend → client through the backend socket's own read buffer (see ReadBuffer.ts).
    link.onData = fromBackend
    backend.on("end", onBackendEnd)
    client.on("end", onClientEnd)
    if (adopted === undefined) {
      // pipe ends the backend's write half when the client ends.
      client.pipe(backend)
    } else {
      for (const chunk of adopted.buffered) backend.write(chunk)
    }
    client.on("error", onClientError)
    backend.on("error", onBackendError)
    this.watch = new PairWatch(client, backend, options, this)
    options.idleWatch.add(this.watch)
    for (const socket of [client, backend]) {
      // A peer may already be gone (it hung up while we dialled): count it at once.
      if (socket.closed) this.socketClosed()
      else socket.on("close", onSocketClose)
    }
    backend.resume()
    client.resume()
  }

  private end(why: RelayEndReason): void {
    if (this.reason === undefined) this.reason = why
  }

  // When the kernel does not take a read at once, Node holds `buf` (the reader's own read
  // buffer) until the write completes: the reader is paused meanwhile and resumed once the
  // writer has nothing pending, so it cannot read into that buffer too early.
  fromClient(n: number, buf: Buffer): boolean {
    return forward(this.backend, n, buf, this.onBackendWritten) || ((this.clientPaused = true), false)
  }

  fromBackend(n: number, buf: Buffer): boolean {
    return forward(this.client, n, buf, this.onClientWritten) || ((this.backendPaused = true), false)
  }

  // Write callbacks are called without a receiver, so these two are closures (with `stop`, the
  // relay's only ones).
  private readonly onBackendWritten = (): void => {
    if (this.clientPaused && this.backend.writableLength === 0) (this.clientPaused = false, this.client.resume())
  }

  private readonly onClientWritten = (): void => {
    if (this.backendPaused && this.client.writableLength === 0) (this.backendPaused = false, this.backend.resume())
  }

  bytes(): RelayBytes {
    return {
      c2b: this.backend.bytesWritten - this.link.headerBytes,
      b2c: this.client.bytesWritten - this.b2cStart
    }
  }

  backendEnded(): void {
    this.end("backend_closed")
    this.client.end()
  }

  clientEnded(): void {
    this.end("client_closed")
    if (this.adopted) this.backend.end()
  }

  fail(why: RelayEndReason): void {
    this.end(why)
    this.client.destroy()
    this.backend.destroy()
  }

  timedOut(why: "read_timeout" | "write_timeout"): void {
    this.fail(why)
  }

  socketClosed(): void {
    if (++this.closed < 2) return
    this.options.idleWatch.remove(this.watch)
    this.resume(Effect.succeed({ ...this.bytes(), reason: this.reason ?? "client_closed" }))
  }

  /** Interrupted (shutdown, kick, timeout of the session): both sockets go at once. */
  readonly stop = (): void => {
    this.options.idleWatch.remove(this.watch)
    this.client.destroy()
    this.backend.destroy()
  }
}

/** Writes one read on to `to`: true when the kernel took all of it (the reader may go on). */
const forward = (to: Net.Socket, n: number, buf: Buffer, written: () => void): boolean => {
  to.write(buf.subarray(0, n), written)
  return to.writableLength === 0
}

/** Who is told when a watched pair stops moving. */
export interface TimeoutSink {
  timedOut(why: "read_timeout" | "write_timeout"): void
}

/**
 * Idle detection without per-chunk work: the watch samples the sockets' byte counters every
 * tick and compares them with the last sample. (The intercepted modes' session loop uses it too.)
 */
export class PairWatch implements Watched {
  private clientRead: number
  private backendRead: number
  private clientWritten: number
  private backendWritten: number
  private lastClientRead = 0
  private lastBackendRead = 0
  private lastClientWrite = 0
  private lastBackendWrite = 0
  private readonly client: Net.Socket
  private readonly backend: Net.Socket
  private readonly limits: Pick<RelayOptions, "readTimeoutMs" | "writeTimeoutMs">
  private readonly sink: TimeoutSink

  constructor(client: Net.Socket, backend: Net.Socket, limits: Pick<RelayOptions, "readTimeoutMs" | "writeTimeoutMs">, sink: TimeoutSink) {
    this.client = client
    this.backend = backend
    this.limits = limits
    this.sink = sink
    this.clientRead = client.bytesRead
    this.backendRead = backend.bytesRead
    this.clientWritten = client.bytesWritten
    this.backendWritten = backend.bytesWritten
  }

  start(now: number): void {
    this.lastClientRead = this.lastBackendRead = this.lastClientWrite = this.lastBackendWrite = now
  }

  check(now: number): void {
    const { backend, client } = this
    if (client.bytesRead !== this.clientRead) (this.clientRead = client.bytesRead, this.lastClientRead = now)
    if (backend.bytesRead !== this.backendRead) (this.backendRead = backend.bytesRead, this.lastBackendRead = now)
    // Write progress: pending bytes that do not shrink mean the peer is not reading.
    if (client.writableLength === 0 || client.bytesWritten !== this.clientWritten) {
      this.clientWritten = client.bytesWritten
      this.lastClientWrite = now
    }
    if (backend.writableLength === 0 || backend.bytesWritten !== this.backendWritten) {
      this.backendWritten = backend.bytesWritten
      this.lastBackendWrite = now
    }
    const { readTimeoutMs, writeTimeoutMs } = this.limits
    if (now - this.lastClientRead >= readTimeoutMs || now - this.lastBackendRead >= readTimeoutMs) {
      this.sink.timedOut("read_timeout")
    } else if (now - this.lastClientWrite >= writeTimeoutMs || now - this.lastBackendWrite >= writeTimeoutMs) {
      this.sink.timedOut("write_timeout")
    }
  }
}
