/**
 * Ending a connection on purpose: a login disconnect the player can read, or a quiet close.
 *
 * A kick is written, then the write half is ended and the client is given a moment to read
 * it and hang up. Incoming bytes are drained meanwhile: closing a socket with unread data
 * makes the kernel send a reset, which can destroy the message before the client reads it.
 */
import { Duration, Effect } from "effect"
import type * as Net from "node:net"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { encodeLoginDisconnect } from "../protocol/Disconnect.ts"

/** How long a kicked client gets to read the message and close its side. */
export const KICK_LINGER = Duration.seconds(2)

/** Writes `bytes`, ends the write half, and waits (bounded) for the peer to close. */
export const sendAndClose = (socket: Net.Socket, bytes: Uint8Array): Effect.Effect<void> =>
  Effect.callback<void>((resume) => {
    if (socket.destroyed) return resume(Effect.void)
    const done = () => resume(Effect.void)
    socket.once("close", done)
    socket.on("error", () => {})
    socket.on("data", () => {})
    socket.resume()
    socket.end(bytes)
    return Effect.sync(() => socket.off("close", done))
  }).pipe(Effect.timeoutOption(KICK_LINGER), Effect.asVoid)

/** Sends a login Disconnect with `message` (plain text, `§` codes allowed) and closes. */
export const kick = (socket: Net.Socket, message: string): Effect.Effect<void> => {
  const frame = encodeLoginDisconnect(message)
  return sendAndClose(socket, isEncodedBytes(frame) ? frame : new Uint8Array(0))
}
