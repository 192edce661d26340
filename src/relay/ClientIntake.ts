/**
 * Reading the player's socket through `onread` too, into its own reused buffer (ReadBuffer.ts),
 * so the player→backend direction of the relay allocates no buffer per read either.
 *
 * Node offers `onread` only to sockets it creates. An accepted socket's native handle can be
 * adopted by a new `net.Socket` created with that option; the original object gives its handle
 * up and becomes an empty shell (destroying it later only emits its 'close', which the
 * listener's bookkeeping waits for). This relies on the accepted socket's `_handle`, a
 * Node-internal field: when it is missing or the adoption fails, the caller keeps the original
 * socket and relays with `pipe()`, exactly as before.
 *
 * Bytes Node already read into the original socket's stream buffer are returned so the caller
 * forwards them first: nothing is lost or reordered.
 */
import * as Net from "node:net"
import { makeReadBuffer } from "../socket/ReadBuffer.ts"

export interface Adopted {
  /** The socket that now owns the connection: read through `onread`, written as usual. */
  readonly socket: Net.Socket
  /** Bytes the original socket had buffered, to be forwarded before anything else. */
  readonly buffered: ReadonlyArray<Buffer>
}

type OnRead = (n: number, buf: Buffer) => boolean

export const adoptWithOnread = (original: Net.Socket, onData: OnRead): Adopted | undefined => {
  const holder = original as unknown as { _handle?: unknown }
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
  holder._handle = null
  const reads = makeReadBuffer()
  const socket = new Net.Socket({
    handle,
    allowHalfOpen: true,
    onread: {
      buffer: reads.next,
      callback: (n: number, buf: Uint8Array) => {
        reads.filled(n)
        return onData(n, buf as Buffer)
      }
    }
  } as unknown as Net.SocketConstructorOpts)
  // No setNoDelay: TCP_NODELAY is the kernel socket's, set when it was accepted (Listener.ts);
  // asking again would only repeat the system call.
  return { socket, buffered }
}
