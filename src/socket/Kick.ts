/**
 * Ending a connection on purpose: a login disconnect the player can read, or a quiet close.
 *
 * A kick is written, then the write half is ended and the client is given a moment to read
 * it and hang up (socket/GracefulClose.ts: incoming bytes are drained meanwhile, so no reset
 * destroys the message before the client reads it).
 */
import { Duration, type Effect } from "effect"
import type * as Net from "node:net"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { encodeLoginDisconnect } from "../protocol/Disconnect.ts"
import { answerAndClose, endAndAwaitClose } from "./GracefulClose.ts"

/** How long a kicked client gets to read the message and close its side. */
const KICK_LINGER = Duration.seconds(2)

/**
 * Writes `bytes`, ends the write half, and waits (bounded) for the peer to close. The
 * connection's socket already has its 'error' listener (ConnectionHandler).
 */
export const sendAndClose = (socket: Net.Socket, bytes: Uint8Array): Effect.Effect<void> =>
  endAndAwaitClose(socket, bytes, KICK_LINGER)

/**
 * Writes the last answer of an exchange the client has finished (a status pong) and closes at
 * once when nothing it sent is left unread (`unread`: bytes received and not consumed); else as
 * {@link sendAndClose}.
 */
export const answerLastAndClose = (socket: Net.Socket, bytes: Uint8Array, unread: number): Effect.Effect<void> =>
  answerAndClose(socket, bytes, unread, KICK_LINGER)

/** Sends a login Disconnect with `message` (plain text, `§` codes allowed) and closes. */
export const kick = (socket: Net.Socket, message: string): Effect.Effect<void> => {
  const frame = encodeLoginDisconnect(message)
  return sendAndClose(socket, isEncodedBytes(frame) ? frame : new Uint8Array(0))
}
