/**
 * The zero_copy relay: hands a client socket and a backend socket to the native splice(2) loop
 * (Linux), which moves every further byte between them in the kernel.
 *
 * Contract with the caller (the connection's Effect scope):
 * - `startSplice` never throws. If the relay cannot start it returns a `SpliceStartError` and
 *   leaves both sockets as they were, so the caller can run the userspace relay instead.
 * - Otherwise `onEnd` is called exactly once, on the JS thread, never synchronously from
 *   `startSplice` or `cancel`. The sockets are then left as they are (possibly half-closed):
 *   the caller destroys them.
 * - From the call on, the caller must not read, write, resume or pipe either socket, and should
 *   keep an 'error' listener on both (a flush at hand-off can fail like any write).
 *
 * Ordering: bytes Node already read (e.g. a Login Start that arrived with the handshake) and
 * writes Node still has queued are flushed through Node first; only then does the native loop
 * start, so the stream order is exactly what both peers sent. Those flushed bytes are included
 * in the counts.
 */
import type * as Net from "node:net"
import { defaultAddon, loadAddon, type NativePair } from "../../native/Addon.ts"
import { checkSocket, detach, flushWrites } from "./Handoff.ts"
import { SpliceStartError } from "../../native/SpliceStartError.ts"

export type SpliceEndReason = "client_closed" | "backend_closed" | "idle_timeout" | "cancelled" | "error"

export interface SpliceByteCounts {
  /** Bytes delivered to the backend. */
  readonly c2b: number
  /** Bytes delivered to the client. */
  readonly b2c: number
}

export interface SpliceResult extends SpliceByteCounts {
  /**
   * - `client_closed` / `backend_closed`: both directions finished cleanly (EOF, drain,
   *   shutdown(SHUT_WR)); the side whose EOF came first. Also a side that sent its EOF and
   *   then reset (ECONNRESET/EPIPE) because bytes were still coming: a player quitting while
   *   the backend streams; `error` then carries the reset for logs.
   * - `idle_timeout`: no byte moved either way for `idleTimeoutMs`.
   * - `cancelled`: `cancel()` was called.
   * - `error`: a socket failed, including a reset with no EOF before it; `errorSide` says which.
   */
  readonly reason: SpliceEndReason
  /** The system error, e.g. "client socket: Connection reset by peer (ECONNRESET 104)". */
  readonly error?: string
  readonly errorSide?: "client" | "backend"
}

export interface SpliceOptions {
  /** End the relay after this long without a byte in either direction; 0 or absent: never. */
  readonly idleTimeoutMs?: number
  /**
   * Load the addon from here instead of the default build (or `INFRARUST_SPLICE_ADDON`, read
   * once per process).
   */
  readonly addonPath?: string
}

export interface SpliceHandle {
  readonly _tag: "SpliceHandle"
  /** Ends the relay promptly with reason "cancelled" (no-op once ended). */
  readonly cancel: () => void
  /** Bytes delivered so far, for metrics; cheap, does not end anything. */
  readonly bytes: () => SpliceByteCounts
}

const sideOf = (s: string | undefined): "client" | "backend" | undefined =>
  s === "client" || s === "backend" ? s : undefined

const reasonOf = (s: string): SpliceEndReason =>
  s === "client_closed" || s === "backend_closed" || s === "idle_timeout" || s === "cancelled" ? s : "error"

export const startSplice = (
  client: Net.Socket,
  backend: Net.Socket,
  options: SpliceOptions,
  onEnd: (result: SpliceResult) => void
): SpliceHandle | SpliceStartError => {
  const addon = options.addonPath === undefined ? defaultAddon() : loadAddon(options.addonPath)
  if (addon instanceof SpliceStartError) return addon
  const clientFd = checkSocket(client, "client")
  if (clientFd instanceof SpliceStartError) return clientFd
  const backendFd = checkSocket(backend, "backend")
  if (backendFd instanceof SpliceStartError) return backendFd
  const idleMs = options.idleTimeoutMs ?? 0
  if (!(Number.isFinite(idleMs) && idleMs >= 0)) {
    return new SpliceStartError({ reason: "BadSocket", detail: `idleTimeoutMs must be >= 0, got ${idleMs}` })
  }

  let ended = false
  let running = false
  let pre = { c2b: 0, b2c: 0 }
  const end = (result: SpliceResult) => {
    if (ended) return
    ended = true
    onEnd(result)
  }
  const onNativeEnd = (reason: string, c2b: number, b2c: number, error?: string, errorSide?: string) => {
    const side = sideOf(errorSide)
    end({
      reason: reasonOf(reason),
      c2b: pre.c2b + c2b,
      b2c: pre.b2c + b2c,
      ...(error !== undefined ? { error } : {}),
      ...(side !== undefined ? { errorSide: side } : {})
    })
  }

  let pair: NativePair | string
  try {
    pair = addon.start(clientFd, backendFd, Math.floor(idleMs), onNativeEnd)
  } catch (e) {
    pair = String(e)
  }
  if (typeof pair === "string") return new SpliceStartError({ reason: "Native", detail: pair })
  const native = pair

  // From here on the sockets are ours: every failure is reported through onEnd.
  const fromClient = detach(client)
  const fromBackend = detach(backend)
  pre = { c2b: fromClient.length, b2c: fromBackend.length }

  let waiting = 2
  let flushTimer: ReturnType<typeof setTimeout> | undefined
  let flushError: { side: "client" | "backend"; error: Error } | undefined
  const flushed = (side: "client" | "backend") => (error?: Error) => {
    if (error !== undefined && flushError === undefined) flushError = { side, error }
    if (--waiting > 0 || ended) return
    clearTimeout(flushTimer)
    if (flushError !== undefined) {
      addon.cancel(native) // parked: closes our dups, no native onEnd
      return end({ reason: "error", ...pre, error: flushError.error.message, errorSide: flushError.side })
    }
    const failed = addon.run(native)
    if (failed === undefined) running = true
    // This can run synchronously inside startSplice: never call onEnd from there.
    else process.nextTick(() => end({ reason: "error", ...pre, error: failed }))
  }
  flushWrites(backend, fromClient, flushed("backend"))
  flushWrites(client, fromBackend, flushed("client"))
  if (waiting > 0 && idleMs > 0) {
    // A peer that never takes the flushed bytes would hold the hand-off forever; the idle
    // timeout covers this phase too, counted from the hand-off.
    flushTimer = setTimeout(() => {
      if (ended || running) return
      addon.cancel(native)
      end({ reason: "idle_timeout", ...pre })
    }, idleMs)
  }

  return {
    _tag: "SpliceHandle",
    cancel: () => {
      if (ended) return
      if (running) return addon.cancel(native) // the native onEnd reports "cancelled"
      addon.cancel(native)
      clearTimeout(flushTimer)
      ended = true // ignore the pending flush; report asynchronously like every other end
      process.nextTick(() => onEnd({ reason: "cancelled", ...pre }))
    },
    bytes: () => {
      const [c2b, b2c] = addon.bytes(native)
      return { c2b: pre.c2b + c2b, b2c: pre.b2c + b2c }
    }
  }
}
