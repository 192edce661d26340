/**
 * The backend's first answer to a login it was sent (the forwarding modes), before the relay
 * starts.
 *
 * Until the backend has said anything, the player still sits on "Logging in…" and can read a
 * login disconnect. A backend that accepts the connection and then hangs, closes or resets
 * would otherwise leave the player there until the client's own 30 s timeout, and then close
 * without a word. So the proxy waits (at most `[timeouts] first_byte`) for the first bytes: when
 * they come they are handed to the player and the relay takes over; when the backend goes away
 * or stays silent instead, the caller disconnects the player with `disconnect_message`.
 *
 * Only the first read is taken here: it is copied out of the socket's reused buffer, and the
 * socket is paused (`onread` returning false) so nothing else, not even an EOF, is read until
 * the relay resumes it.
 */
import { Duration, Effect } from "effect"
import type * as Net from "node:net"
import { type BackendLink, pauseUntilTaken } from "../socket/BackendLink.ts"
import { callbackWithin } from "../socket/Deadline.ts"

export type BackendAnswer =
  | { readonly _tag: "Answered"; readonly bytes: Uint8Array }
  /** Not waited for (`first_byte = "0s"`): `take` hands over whatever came meanwhile. */
  | { readonly _tag: "NotAwaited"; readonly take: () => Uint8Array }
  | { readonly _tag: "Silent"; readonly detail: string }

/**
 * `first_byte = "0s"` turns the wait off: the login goes on at once. The backend may still
 * answer before the relay takes the link over (with worker threads the session's registration
 * is a round trip to the coordinator); that first read is copied and kept, with the socket
 * paused, exactly as the wait would have kept it, instead of being dropped.
 */
const keepEarly = (link: BackendLink): BackendAnswer => {
  let early = new Uint8Array(0)
  const onData = (n: number, buf: Buffer): boolean => {
    early = Uint8Array.prototype.slice.call(buf, 0, n)
    return false
  }
  link.onData = onData
  return {
    _tag: "NotAwaited",
    take: () => {
      if (link.onData === onData) link.onData = pauseUntilTaken
      return early
    }
  }
}

/** The bytes to hand the player before the relay starts. */
export const answerBytes = (answer: Exclude<BackendAnswer, { _tag: "Silent" }>): Uint8Array =>
  answer._tag === "Answered" ? answer.bytes : answer.take()

export const awaitBackendAnswer = (link: BackendLink, timeout: Duration.Duration): Effect.Effect<BackendAnswer> =>
  Duration.isZero(timeout) ? Effect.sync(() => keepEarly(link)) : firstRead(link, timeout)

const firstRead = (link: BackendLink, timeout: Duration.Duration): Effect.Effect<BackendAnswer> =>
  callbackWithin<BackendAnswer, never, BackendAnswer, never>((resume) => {
    const socket = link.socket
    let settled = false
    const settle = (answer: BackendAnswer) => {
      if (settled) return
      settled = true
      cleanup()
      resume(Effect.succeed(answer))
    }
    const onEnd = () => settle({ _tag: "Silent", detail: "closed the connection" })
    const onError = (err: Error) => settle({ _tag: "Silent", detail: `failed (${err.message})` })
    function cleanup() {
      socket.off("end", onEnd)
      socket.off("close", onEnd)
      socket.off("error", onError)
      if (link.onData === onData) link.onData = pauseUntilTaken
    }
    function onData(n: number, buf: Buffer): boolean {
      // The buffer is the socket's own and is reused by its next read: copy.
      settle({ _tag: "Answered", bytes: Uint8Array.prototype.slice.call(buf, 0, n) })
      return false
    }
    if (socket.destroyed) return settle({ _tag: "Silent", detail: "closed the connection" })
    link.onData = onData
    socket.on("end", onEnd)
    socket.on("close", onEnd)
    socket.on("error", onError)
    socket.resume()
    return cleanup
  }, timeout, () => Effect.succeed({ _tag: "Silent", detail: `sent nothing within ${Duration.format(timeout)}` }))

/**
 * Writes the backend's first bytes to the player and waits until Node handed them to the kernel
 * (bounded): the relay may then adopt the player's socket (relay/ClientIntake.ts) or splice it,
 * which must not happen under a pending write.
 */
export const forwardAnswer = (client: Net.Socket, bytes: Uint8Array, timeout: Duration.Duration): Effect.Effect<void> =>
  bytes.length === 0 ? Effect.void : callbackWithin<void, never, void, never>((resume) => {
    client.write(bytes, () => resume(Effect.void))
  }, timeout, () => Effect.void)
