/**
 * The forwarding-mode relay: moves bytes between a player and a backend after the handshake,
 * without looking at them.
 *
 * Following the measurement in docs/performance.md, the bytes never pass through Effect:
 * - backend → client (the heavy direction) arrives through `onread` into the socket's own
 *   reused buffer (ReadBuffer.ts) and is written straight to the client; when the client cannot take it at once the
 *   backend is paused until the write completes, so a slow player never grows our memory;
 * - client → backend the same way, after the player's socket is adopted by one Node creates
 *   with `onread` (ClientIntake.ts; Node's `pipe` where that is not possible).
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

/**
 * Live byte counts of a running relay, read when it ends by interruption (shutdown, kick)
 * and by metrics; each relay installs its own reader. Reading is cheap and never per chunk.
 */
export interface RelayMeter {
  bytes: () => { readonly c2b: number; readonly b2c: number }
}

export const makeMeter = (): RelayMeter => ({ bytes: () => ({ c2b: 0, b2c: 0 }) })

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
  Effect.callback<RelayOutcome>((resume) => {
    const backend = link.socket
    let reason: RelayEndReason | undefined
    let closed = 0
    let backendPaused = false
    let clientPaused = false

    const end = (why: RelayEndReason) => {
      if (reason === undefined) reason = why
    }

    // client → backend through its own read buffer as well (ClientIntake.ts), when the
    // player's socket can be adopted; otherwise Node's pipe (one buffer per read).
    const onBackendWritten = () => {
      if (clientPaused && backend.writableLength === 0) {
        clientPaused = false
        client.resume()
      }
    }
    const adopted = adoptWithOnread(accepted, (n, buf) => {
      backend.write(buf.subarray(0, n), onBackendWritten)
      if (backend.writableLength === 0) return true
      // Node now holds `buf` until the write completes: the client may not read into it again.
      clientPaused = true
      return false
    })
    const client = adopted?.socket ?? accepted
    // Bytes written to the player before the relay are not the session's; an adopted socket
    // starts counting from zero.
    const b2cStart = (adopted === undefined ? accepted.bytesWritten : 0) - (options.sentBefore ?? 0)
    options.meter.bytes = () => ({
      c2b: backend.bytesWritten - link.headerBytes,
      b2c: client.bytesWritten - b2cStart
    })

    const fail = (why: RelayEndReason) => {
      end(why)
      client.destroy()
      backend.destroy()
    }

    // backend → client through the backend socket's own read buffer (see ReadBuffer.ts).
    const onClientWritten = () => {
      if (backendPaused && client.writableLength === 0) {
        backendPaused = false
        backend.resume()
      }
    }
    link.onData = (n, buf) => {
      client.write(buf.subarray(0, n), onClientWritten)
      if (client.writableLength === 0) return true
      // The kernel did not take it all: Node holds `buf` (the backend's own read buffer) until
      // the write completes, so the backend is paused and cannot read into it meanwhile.
      backendPaused = true
      return false
    }
    backend.on("end", () => {
      end("backend_closed")
      client.end()
    })

    client.on("end", () => {
      end("client_closed")
      if (adopted !== undefined) backend.end()
    })
    if (adopted === undefined) {
      // pipe ends the backend's write half when the client ends.
      client.pipe(backend)
    } else {
      for (const chunk of adopted.buffered) backend.write(chunk)
    }

    client.on("error", () => fail("client_error"))
    backend.on("error", () => fail("backend_error"))

    const watched: Watched = makeWatched(client, backend, options, fail)
    const unwatch = options.idleWatch.add(watched)

    const onClose = () => {
      if (++closed < 2) return
      unwatch()
      resume(Effect.succeed({ ...options.meter.bytes(), reason: reason ?? "client_closed" }))
    }
    for (const socket of [client, backend]) {
      // A peer may already be gone (it hung up while we dialled): count it at once.
      if (socket.closed) onClose()
      else socket.on("close", onClose)
    }
    backend.resume()
    client.resume()

    return Effect.sync(() => {
      unwatch()
      client.destroy()
      backend.destroy()
    })
  })

/**
 * Idle detection without per-chunk work: the watch samples the sockets' byte counters every
 * tick and compares them with the last sample. (The intercepted modes' session loop uses it too.)
 */
export const makeWatched = (
  client: Net.Socket,
  backend: Net.Socket,
  options: Pick<RelayOptions, "readTimeoutMs" | "writeTimeoutMs">,
  fail: (why: "read_timeout" | "write_timeout") => void
): Watched => {
  let clientRead = client.bytesRead
  let backendRead = backend.bytesRead
  let clientWritten = client.bytesWritten
  let backendWritten = backend.bytesWritten
  let lastClientRead = 0
  let lastBackendRead = 0
  let lastClientWrite = 0
  let lastBackendWrite = 0
  return {
    start: (now) => {
      lastClientRead = lastBackendRead = lastClientWrite = lastBackendWrite = now
    },
    check: (now) => {
      if (client.bytesRead !== clientRead) (clientRead = client.bytesRead, lastClientRead = now)
      if (backend.bytesRead !== backendRead) (backendRead = backend.bytesRead, lastBackendRead = now)
      // Write progress: pending bytes that do not shrink mean the peer is not reading.
      if (client.writableLength === 0 || client.bytesWritten !== clientWritten) {
        clientWritten = client.bytesWritten
        lastClientWrite = now
      }
      if (backend.writableLength === 0 || backend.bytesWritten !== backendWritten) {
        backendWritten = backend.bytesWritten
        lastBackendWrite = now
      }
      if (now - lastClientRead >= options.readTimeoutMs || now - lastBackendRead >= options.readTimeoutMs) {
        fail("read_timeout")
      } else if (
        now - lastClientWrite >= options.writeTimeoutMs || now - lastBackendWrite >= options.writeTimeoutMs
      ) {
        fail("write_timeout")
      }
    }
  }
}
