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

/**
 * The last answer of an exchange in which the client has nothing more to say (a status pong).
 * When every byte it sent was read (`unread` is what was received and not consumed) and the
 * kernel takes the answer at once, the socket is closed right away: the kernel sends the FIN
 * after the answer, and with nothing unread there is no reset. The connection's fiber then ends
 * without waiting for the client's close (a wake-up, a timer and two listeners less per ping);
 * the proxy's side keeps the TIME_WAIT instead of the client's. Otherwise as
 * {@link endAndAwaitClose}.
 */
export const answerAndClose = (
  socket: Net.Socket,
  bytes: Uint8Array,
  unread: number,
  linger: Duration.Input
): Effect.Effect<void> => {
  switch (closeWithAnswer(socket, bytes, unread)) {
    case "closed":
      return Effect.void
    // Not taken at once (a full send buffer): destroying now would drop it, so wait as usual.
    case "written":
      return endAndAwaitClose(socket, undefined, linger)
    case "unwritten":
      return endAndAwaitClose(socket, bytes, linger)
  }
}

/**
 * The synchronous part of {@link answerAndClose}, for callers outside a fiber (the arrival
 * gate's answer): "closed" = written and closed; "written" = written, but the kernel did not
 * take it all (the caller must close gracefully); "unwritten" = nothing done, a graceful close
 * is needed (bytes unread, or some already queued).
 */
export const closeWithAnswer = (socket: Net.Socket, bytes: Uint8Array, unread: number): "closed" | "written" | "unwritten" => {
  if (unread > 0 || socket.destroyed || socket.readableLength > 0 || socket.writableLength > 0) return "unwritten"
  socket.write(bytes)
  if (socket.writableLength > 0) return "written"
  socket.destroy()
  return "closed"
}
