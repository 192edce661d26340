/**
 * Reading protocol values from a backend link outside the relay (the status probe of
 * status/BackendStatus.ts): the read buffer is reused for the next read after the `onread`
 * call, so received bytes are copied into a per-probe buffer, bounded by `maxBuffered`.
 */
import { Effect } from "effect"
import { decodeBuffered } from "../socket/Inbound.ts"
import type { Decode } from "../protocol/Decode.ts"
import type { ProtocolError } from "../protocol/ProtocolError.ts"
import { BackendConnectError } from "./BackendDialer.ts"
import { type BackendLink, pauseUntilTaken } from "../socket/BackendLink.ts"

export interface BackendReader {
  readonly link: BackendLink
  pending: Uint8Array
}

export const makeBackendReader = (link: BackendLink): BackendReader => ({ link, pending: new Uint8Array(0) })

export const readFromBackend = <A>(
  reader: BackendReader,
  what: string,
  decode: (bytes: Uint8Array, offset: number) => Decode<A>,
  maxBuffered: number
): Effect.Effect<A, ProtocolError | BackendConnectError> =>
  Effect.callback<A, ProtocolError | BackendConnectError>((resume) => {
    const link = reader.link
    const socket = link.socket
    const tooLargeDetail = `backend sent more than ${maxBuffered} bytes without a complete ${what}`
    let finished = false
    const detach = () => {
      finished = true
      link.onData = pauseUntilTaken
      socket.off("end", onEnd)
      socket.off("close", onEnd)
      socket.off("error", onError)
    }
    const finish = (effect: Effect.Effect<A, ProtocolError | BackendConnectError>) => {
      detach()
      resume(effect)
    }
    const attempt = (): boolean => {
      const settled = decodeBuffered(reader, decode, maxBuffered, what, tooLargeDetail)
      if (settled === undefined) return false
      finish(settled)
      return true
    }
    const closed = (detail: string) =>
      new BackendConnectError({ address: link.address, reason: "closed", detail })
    function onEnd() {
      if (!finished) finish(Effect.fail(closed(`connection closed before the ${what}`)))
    }
    function onError(err: Error) {
      if (!finished) finish(Effect.fail(closed(err.message)))
    }
    if (attempt()) return
    link.onData = (n, buf) => {
      const next = new Uint8Array(reader.pending.length + n)
      next.set(reader.pending, 0)
      next.set(buf.subarray(0, n), reader.pending.length)
      reader.pending = next
      attempt()
      return !finished
    }
    socket.on("end", onEnd)
    socket.on("close", onEnd)
    socket.on("error", onError)
    socket.resume()
    return Effect.sync(() => {
      if (!finished) detach()
    })
  })
