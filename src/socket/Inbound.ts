/**
 * The client's bytes before the relay starts: the PROXY header, the handshake, login start
 * or the status request and ping.
 *
 * Bytes are pulled from the paused `net.Socket` with `read()` into one growing buffer, and
 * each stage runs a pure decoder over it. Whatever a stage does not consume stays for the
 * next one, so bytes that arrive "too early" (a handshake pipelined right behind a PROXY
 * header, a login start in the same segment as the handshake) are never lost; what is left
 * when the relay starts is forwarded to the backend first.
 *
 * The buffer is bounded (`maxBuffered`): a peer that sends more than any valid prefix can be
 * without completing it is cut off, so this stage never grows without limit.
 */
import { Duration, Effect, Schema } from "effect"
import type * as Net from "node:net"
import type { Decode } from "../protocol/Decode.ts"
import { type ProtocolError, tooLarge } from "../protocol/ProtocolError.ts"
import { callbackWithin } from "./Deadline.ts"

export class ClientClosed extends Schema.TaggedError<ClientClosed>()("ClientClosed", {
  /** What we were waiting for when the client went away. */
  stage: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `client closed the connection during ${this.stage}${this.detail === "" ? "" : `: ${this.detail}`}`
  }
}

/** A stage's bytes did not arrive in time (slowloris, a stalled client). */
export class StageTimeout extends Schema.TaggedError<StageTimeout>()("StageTimeout", {
  stage: Schema.String,
  after: Schema.Duration
}) {
  override get message(): string {
    return `no complete ${this.stage} within ${Duration.format(this.after)}`
  }
}

export interface Inbound {
  readonly socket: Net.Socket
  /** Received and not yet consumed. */
  pending: Uint8Array
}

/** `held`: bytes already read from the socket (the arrival gate's), decoded first. */
export const makeInbound = (socket: Net.Socket, held?: Uint8Array): Inbound => ({ socket, pending: held ?? new Uint8Array(0) })

const append = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}

/**
 * One decoding step over bytes received so far (the client's here, a backend's in
 * backend/BackendReader.ts): on `Done` the decoded bytes are consumed and the value returned,
 * a protocol error fails, and a buffer that reached `maxBuffered` without a complete value
 * fails as too large. `undefined` means: wait for more bytes.
 */
export const decodeBuffered = <A>(
  holder: { pending: Uint8Array },
  decode: (bytes: Uint8Array, offset: number) => Decode<A>,
  maxBuffered: number,
  stage: string,
  tooLargeDetail: string
): Effect.Effect<A, ProtocolError> | undefined => {
  const r = decode(holder.pending, 0)
  if (r._tag === "Done") {
    holder.pending = holder.pending.subarray(r.offset)
    return Effect.succeed(r.value)
  }
  if (r._tag === "ProtocolError") return Effect.fail(r)
  if (holder.pending.length >= maxBuffered) return Effect.fail(tooLarge(stage, tooLargeDetail))
  return undefined
}

/**
 * Waits until `decode` succeeds on the pending bytes and consumes what it used.
 * `stage` names the step in errors and logs ("handshake", "PROXY header", ...).
 */
export const next = <A>(
  inbound: Inbound,
  stage: string,
  decode: (bytes: Uint8Array, offset: number) => Decode<A>,
  maxBuffered: number
): Effect.Effect<A, ProtocolError | ClientClosed> => nextOr(inbound, stage, decode, maxBuffered, 0, () => Effect.never)

/** {@link next} under a stage timeout: a client that stalls fails with `StageTimeout`. */
export const nextWithin = <A>(
  inbound: Inbound,
  stage: string,
  decode: (bytes: Uint8Array, offset: number) => Decode<A>,
  maxBuffered: number,
  timeout: Duration.Duration
): Effect.Effect<A, ProtocolError | ClientClosed | StageTimeout> =>
  nextOr(inbound, stage, decode, maxBuffered, timeout, () => Effect.fail(new StageTimeout({ stage, after: timeout })))

/**
 * {@link next} bounded by `timeout` (0 = none), after which `onTimeout` answers instead. Bytes
 * already received are decoded first: a stage whose packet came in an earlier segment costs no
 * wait at all (the usual case: a client sends its handshake and the next packet together).
 */
export const nextOr = <A, B, E2>(
  inbound: Inbound,
  stage: string,
  decode: (bytes: Uint8Array, offset: number) => Decode<A>,
  maxBuffered: number,
  timeout: Duration.Input,
  onTimeout: () => Effect.Effect<B, E2>
): Effect.Effect<A | B, ProtocolError | ClientClosed | E2> => {
  const tooLargeDetail = `more than ${maxBuffered} bytes without a complete ${stage}`
  const socket = inbound.socket
  const ready = inbound.pending.length === 0 ? undefined : decodeBuffered(inbound, decode, maxBuffered, stage, tooLargeDetail)
  if (ready !== undefined) return ready
  return callbackWithin<A, ProtocolError | ClientClosed, B, E2>((resume) => {
    let finished = false
    const cleanup = () => {
      finished = true
      socket.off("readable", onReadable)
      socket.off("end", onEnd)
      socket.off("error", onError)
      socket.off("close", onEnd)
    }
    const attempt = (): boolean => {
      const settled = decodeBuffered(inbound, decode, maxBuffered, stage, tooLargeDetail)
      if (settled === undefined) return false
      cleanup()
      resume(settled)
      return true
    }
    function onReadable() {
      let chunk: Buffer | null
      while (!finished && (chunk = socket.read() as Buffer | null) !== null) {
        inbound.pending = append(inbound.pending, chunk)
        if (attempt()) return
      }
    }
    function onEnd() {
      cleanup()
      resume(Effect.fail(new ClientClosed({ stage, detail: "" })))
    }
    function onError(err: Error) {
      cleanup()
      resume(Effect.fail(new ClientClosed({ stage, detail: err.message })))
    }
    if (socket.readableEnded || socket.destroyed) {
      resume(Effect.fail(new ClientClosed({ stage, detail: "" })))
      return
    }
    socket.on("readable", onReadable)
    socket.on("end", onEnd)
    socket.on("close", onEnd)
    socket.on("error", onError)
    // Bytes may already sit in the stream's buffer from an earlier stage.
    onReadable()
    return cleanup
  }, timeout, onTimeout)
}

/** Everything received and not consumed, for the backend; empties the buffer. */
export const takePending = (inbound: Inbound): Uint8Array => {
  const rest = inbound.pending
  inbound.pending = new Uint8Array(0)
  return rest
}
