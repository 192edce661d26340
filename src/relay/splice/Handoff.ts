/**
 * Takes a connected `net.Socket` away from Node so the splice relay owns its byte stream.
 *
 * The invariant: after `detach`, Node neither reads from nor writes to the socket, and every
 * byte Node had already read is returned to the caller to be forwarded first.
 * - `pause()` is not enough. For an ordinary socket it only stops 'data' events: libuv keeps
 *   reading from the kernel into the stream buffer until highWaterMark, which would steal bytes
 *   from splice. `detach` therefore calls the handle's `readStop()` itself (Node does the same in
 *   `pause()` only for sockets created with `onread`). test/relay/splice verifies both facts.
 * - Bytes Node already buffered (for example unshifted after the handshake) are drained with
 *   `read()`; `read()` may restart libuv reading, so `readStop()` comes after it, synchronously,
 *   before libuv can poll again.
 * - Writes Node still has queued must reach the kernel before splice writes behind them:
 *   `flushWrites` waits for an (empty) write's callback, which Writable calls in order.
 */
import type * as Net from "node:net"
import { SpliceStartError } from "../../native/SpliceStartError.ts"

/** The libuv stream handle behind a net.Socket (not in @types/node). */
interface StreamHandle {
  readonly fd?: number
  reading?: boolean
  readStop?: () => number
}

const handleOf = (socket: Net.Socket): StreamHandle | null =>
  (socket as unknown as { readonly _handle: StreamHandle | null })._handle

const EMPTY = Buffer.alloc(0)

const bad = (side: string, detail: string) =>
  new SpliceStartError({ reason: "BadSocket", detail: `${side} socket ${detail}` })

/** Why `socket` cannot be handed over, or its descriptor. Touches nothing. */
export const checkSocket = (socket: Net.Socket, side: string): number | SpliceStartError => {
  const handle = handleOf(socket)
  if (socket.destroyed || handle === null) return bad(side, "is destroyed")
  if (socket.connecting) return bad(side, "is still connecting")
  if (socket.writableEnded) return bad(side, "has already ended its write side")
  // EOF already read by Node: with allowHalfOpen false Node would end() the socket behind the
  // relay's back. Rare (a peer half-closing during the handshake); the userspace relay copes.
  const readable = (socket as unknown as { readonly _readableState?: { readonly ended?: boolean } })._readableState
  if (socket.readableEnded || readable?.ended === true) return bad(side, "has already received EOF")
  if (socket.writableCorked > 0) return bad(side, "is corked")
  if (socket.listenerCount("data") > 0 || socket.listenerCount("readable") > 0) {
    return bad(side, "still has 'data' or 'readable' listeners")
  }
  const fd = handle.fd
  if (typeof fd !== "number" || fd < 0 || typeof handle.readStop !== "function") {
    return bad(side, "has no file descriptor (not a Unix TCP or pipe socket)")
  }
  return fd
}

/**
 * Stops Node reading `socket` and returns the bytes it had read and nobody consumed (empty
 * when none). Call only after `checkSocket` accepted it.
 */
export const detach = (socket: Net.Socket): Buffer => {
  socket.pause()
  const chunks: Array<Buffer> = []
  for (let chunk: unknown = socket.read(); chunk !== null; chunk = socket.read()) {
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk, socket.readableEncoding ?? "utf8") : chunk as Buffer)
  }
  const handle = handleOf(socket)
  if (handle !== null && handle.readStop !== undefined) {
    // Same bookkeeping as net.Socket.pause() in onread mode: `reading = false` makes a later
    // _read() call readStart() again, and nobody will call it while the relay runs.
    handle.reading = false
    handle.readStop()
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)
}

/**
 * Writes `chunk` (if any) and calls `done` once Node has handed every queued byte of `socket`
 * to the kernel, or with the first write error.
 */
export const flushWrites = (socket: Net.Socket, chunk: Buffer, done: (error?: Error) => void): void => {
  if (chunk.length === 0 && socket.writableLength === 0) return done()
  socket.write(chunk.length > 0 ? chunk : EMPTY, (error) => {
    if (error !== null && error !== undefined) return done(error)
    // Another writer may have queued more meanwhile: flush until nothing is left.
    return flushWrites(socket, EMPTY, done)
  })
}
