/**
 * Reading protocol values from a backend link outside the relay (status probes, the legacy
 * ping relay): the read buffer is reused for the next read after the `onread` call, so received
 * bytes are copied into a per-probe buffer, bounded by `maxBuffered`.
 */
import { Effect } from "effect"
import type { Decode } from "../protocol/Decode.ts"
import { type ProtocolError, tooLarge } from "../protocol/ProtocolError.ts"
import { BackendConnectError } from "./BackendDialer.ts"
import type { BackendLink } from "./BackendLink.ts"

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
    const socket = reader.link.socket
    let finished = false
    const finish = (effect: Effect.Effect<A, ProtocolError | BackendConnectError>) => {
      finished = true
      reader.link.onData = () => false
      socket.off("end", onEnd)
      socket.off("close", onEnd)
      socket.off("error", onError)
      resume(effect)
    }
    const attempt = (): boolean => {
      const r = decode(reader.pending, 0)
      if (r._tag === "Done") {
        reader.pending = reader.pending.subarray(r.offset)
        finish(Effect.succeed(r.value))
        return true
      }
      if (r._tag === "ProtocolError") {
        finish(Effect.fail(r))
        return true
      }
      if (reader.pending.length >= maxBuffered) {
        finish(Effect.fail(tooLarge(what, `backend sent more than ${maxBuffered} bytes without a complete ${what}`)))
        return true
      }
      return false
    }
    const closed = (detail: string) =>
      new BackendConnectError({ address: reader.link.address, reason: "closed", detail })
    function onEnd() {
      if (!finished) finish(Effect.fail(closed(`connection closed before the ${what}`)))
    }
    function onError(err: Error) {
      if (!finished) finish(Effect.fail(closed(err.message)))
    }
    if (attempt()) return
    reader.link.onData = (n, buf) => {
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
      if (!finished) {
        finished = true
        reader.link.onData = () => false
        socket.off("end", onEnd)
        socket.off("close", onEnd)
        socket.off("error", onError)
      }
    })
  })
