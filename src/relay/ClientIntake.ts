/**
 * Reading the player's socket through `onread` too, into its own reused buffer (ReadBuffer.ts),
 * so the player→backend direction of the relay allocates no buffer per read either.
 *
 * Node offers `onread` only to sockets it creates, and the listener's accepted sockets are not
 * created with it. What the option does is small, though: three fields of the socket (the
 * buffer, the function giving the next one, the callback) and one call on its native handle
 * (`useUserBuffer`), all read by Node at every read. So the accepted socket is switched over in
 * place: no second `net.Socket` per player (one fewer object with its stream states to build at
 * every login and to keep for every idle session). The fields are found by their names on a
 * socket Node made with the option; where they are not found (another Node), the accepted
 * socket's native handle is adopted by a new `net.Socket` created with the option, leaving the
 * original an empty shell; where that is impossible too, the caller keeps the original socket
 * and relays with `pipe()`.
 *
 * Bytes Node already read into the original socket's stream buffer are returned so the caller
 * forwards them first: nothing is lost or reordered.
 */
import * as Net from "node:net"
import { attachReads, onreadOption, ReadBuffer, type ReadSink } from "../socket/ReadBuffer.ts"

export interface Adopted {
  /** The socket that now owns the connection: read through `onread`, written as usual. */
  readonly socket: Net.Socket
  /** Bytes the original socket had buffered, to be forwarded before anything else. */
  readonly buffered: ReadonlyArray<Buffer>
}

interface OnreadFields {
  readonly buffer: symbol
  readonly next: symbol
  readonly callback: symbol
}

/** Node's own names for what the `onread` option sets, read once from a socket made with it. */
const onreadFields = ((): OnreadFields | undefined => {
  const probe = new Net.Socket({ onread: { buffer: () => Buffer.alloc(1), callback: () => true } } as unknown as Net.SocketConstructorOpts)
  const named = (description: string) => Object.getOwnPropertySymbols(probe).find((s) => s.description === description)
  const [buffer, next, callback] = [named("kBuffer"), named("kBufferGen"), named("kBufferCb")]
  probe.destroy()
  const holder = probe as unknown as Record<symbol, unknown>
  const looksRight = buffer !== undefined && next !== undefined && callback !== undefined &&
    holder[buffer] === true && typeof holder[next] === "function" && typeof holder[callback] === "function"
  return looksRight ? { buffer, next, callback } : undefined
})()

interface NativeHandle {
  useUserBuffer?: (buf: Uint8Array) => void
}

/** Switches `original` to reading into its own buffer, on to `sink` (one sink may serve many sockets). */
export const adoptWithOnread = (original: Net.Socket, sink: ReadSink): Adopted | undefined => {
  const holder = original as unknown as { _handle?: NativeHandle | null }
  const handle = holder._handle
  if (handle === undefined || handle === null || original.destroyed || original.readableEnded) return undefined
  const buffered: Array<Buffer> = []
  let chunk: Buffer | null
  while ((chunk = original.read() as Buffer | null) !== null) buffered.push(chunk)
  // Reading stopped half-way (EOF arrived while draining): keep the original, pipe handles it.
  if (original.readableEnded) {
    for (let i = buffered.length - 1; i >= 0; i--) original.unshift(buffered[i]!)
    return undefined
  }
  const reads = new ReadBuffer(sink)
  if (onreadFields !== undefined && typeof handle.useUserBuffer === "function") {
    return { socket: switchInPlace(original, handle, reads, onreadFields), buffered }
  }
  holder._handle = null
  // No setNoDelay: TCP_NODELAY is the kernel socket's, set when it was accepted (Listener.ts);
  // asking again would only repeat the system call.
  const socket = new Net.Socket({ handle, allowHalfOpen: true, onread: onreadOption(reads) } as unknown as Net.SocketConstructorOpts)
  return { socket: attachReads(socket, reads), buffered }
}

/** What Node's constructor does with the `onread` option, done to a socket that exists. */
const switchInPlace = (socket: Net.Socket, handle: NativeHandle, reads: ReadBuffer, fields: OnreadFields): Net.Socket => {
  const option = onreadOption(reads)
  const first = option.buffer()
  const target = attachReads(socket, reads) as unknown as Record<symbol, unknown>
  target[fields.next] = option.buffer
  target[fields.callback] = option.callback
  target[fields.buffer] = first
  handle.useUserBuffer!(first)
  // The relay ends each side's write half itself (the listener's sockets already allow it).
  socket.allowHalfOpen = true
  return socket
}
