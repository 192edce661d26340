/**
 * Closing a connection without a reset: write the last bytes, end the write half, and give the
 * peer a bounded moment to read them and hang up.
 *
 * Incoming bytes are drained meanwhile: closing a socket with unread data makes the kernel send
 * a reset, which can destroy the last message before the peer reads it (and shows up in a
 * PROXY receiver's log as an aborted session, HAProxy's "CC").
 */
import { type Duration, Effect } from "effect"
import type * as Net from "node:net"
import { callbackWithin } from "./Deadline.ts"

const drain = () => {}

/**
 * Ends `socket` after `bytes` and waits up to `linger` for the peer's close; never fails. The
 * caller keeps an 'error' listener on the socket (a reset while closing is nobody's concern).
 */
export const endAndAwaitClose = (
  socket: Net.Socket,
  bytes: Uint8Array | undefined,
  linger: Duration.Input
): Effect.Effect<void> =>
  callbackWithin<void, never, void, never>((resume) => {
    if (socket.destroyed) return resume(Effect.void)
    const done = () => resume(Effect.void)
    socket.once("close", done)
    socket.on("data", drain)
    socket.resume()
    if (bytes === undefined) socket.end()
    else socket.end(bytes)
    return () => socket.off("close", done)
  }, linger, () => Effect.void)
