/**
 * One leg of an intercepted session (the player's socket, or a backend's) speaking packets: a
 * socket read through Node's `onread` into a reused buffer, the leg's frame reader and writer
 * (src/packet/: compression and encryption as the leg has them), and the handler that bytes read
 * go to right now — a login phase reading one packet at a time, or the session loop.
 *
 * During the login phases packets are read one by one with {@link readPacket}: performance does
 * not matter there, correctness at every switch does (compression and encryption change between
 * two packets, so the reader stops after each one and keeps the rest of the bytes for later).
 */
import { type Duration, Effect, Schema } from "effect"
import type * as Net from "node:net"
import { FrameReader } from "../../packet/FrameReader.ts"
import { FrameWriter } from "../../packet/FrameWriter.ts"
import { encodeFrame } from "../../protocol/Frame.ts"
import { isProtocolError, type ProtocolError } from "../../protocol/ProtocolError.ts"
import { resumeReading } from "../../socket/ResumeReading.ts"
import { callbackWithin } from "../../socket/Deadline.ts"

/** A packet read during a login phase: its id, and its payload copied out of the read buffer. */
export interface Packet {
  readonly id: number
  readonly payload: Uint8Array
}

/** The peer closed, reset, or said nothing in time during a login phase. */
export class LegClosed extends Schema.TaggedError<LegClosed>()("LegClosed", {
  leg: Schema.Literals(["client", "backend"]),
  waitingFor: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    const who = this.leg === "client" ? "the player" : "the backend"
    return `${who} ${this.detail} while the proxy waited for ${this.waitingFor}`
  }
}

export type ChunkHandler = (n: number, buf: Buffer) => boolean

/** Bytes read while nobody reads them are kept (the reader copies them) and the socket paused. */
const hold: ChunkHandler = () => false

export class PacketLeg {
  readonly reader = new FrameReader()
  readonly writer = new FrameWriter()
  /** Where the next read goes; swapped by the phase that owns the leg. */
  handler: ChunkHandler = hold
  socket: Net.Socket
  readonly name: "client" | "backend"

  constructor(name: "client" | "backend", socket: Net.Socket) {
    this.name = name
    this.socket = socket
  }

  /** For the socket's `onread` callback. */
  readonly onChunk = (n: number, buf: Buffer): boolean => this.handler(n, buf)

  /** Queues a packet for this leg and writes it out. */
  send(id: number, payload: Uint8Array): ProtocolError | undefined {
    const failed = this.writer.writePacket(id, payload)
    if (failed !== undefined) return failed
    this.flush()
    return undefined
  }

  /**
   * Called when the socket has written everything queued by a flush (not 'drain', which Node
   * emits only after a write that went over the high-water mark).
   */
  written: () => void = () => {}

  private readonly afterWrite = () => {
    if (this.socket.writableLength === 0) this.written()
  }

  /** Writes whatever the writer holds to the socket, in one corked batch. */
  flush(): void {
    if (this.writer.pending === 0) return
    this.socket.cork()
    this.writer.flush((bytes) => this.socket.write(bytes, this.afterWrite))
    this.socket.uncork()
  }
}

/** A login-phase packet as a whole uncompressed frame, for the codecs that decode frames. */
export const asFrame = (packet: Packet): Uint8Array | ProtocolError => encodeFrame(packet.id, packet.payload)

/**
 * The next packet of `leg`, waiting at most `timeout`. Stops after one packet (the bytes after it
 * stay in the reader), so the caller can switch compression or encryption before the next.
 */
export const readPacket = (leg: PacketLeg, waitingFor: string, timeout: Duration.Duration): Effect.Effect<Packet, ProtocolError | LegClosed> =>
  callbackWithin<Packet, ProtocolError | LegClosed, never, LegClosed>((resume) => {
    const socket = leg.socket
    let done = false
    const finish = (outcome: Effect.Effect<Packet, ProtocolError | LegClosed>) => {
      done = true
      leg.handler = hold
      socket.off("end", onEnd)
      socket.off("close", onEnd)
      socket.off("error", onError)
      resume(outcome)
    }
    /** True once the outcome is decided. */
    const attempt = (): boolean => {
      const frame = leg.reader.next()
      if (frame._tag === "NeedMore") return false
      if (frame._tag === "ProtocolError") return (finish(Effect.fail(frame)), true)
      const id = frame.packetId()
      const payload = frame.payload()
      if (isProtocolError(id)) return (finish(Effect.fail(id)), true)
      if (isProtocolError(payload)) return (finish(Effect.fail(payload)), true)
      const packet = { id, payload: payload.slice() }
      // The rest of the chunk stays with the reader, copied: the read buffer is reused.
      leg.reader.detach()
      finish(Effect.succeed(packet))
      return true
    }
    function onEnd() {
      if (!done) finish(Effect.fail(new LegClosed({ leg: leg.name, waitingFor, detail: "closed the connection" })))
    }
    function onError(error: Error) {
      if (!done) finish(Effect.fail(new LegClosed({ leg: leg.name, waitingFor, detail: `reset the connection (${error.message})` })))
    }
    if (attempt()) return
    if (socket.destroyed || socket.readableEnded) return onEnd()
    leg.handler = (n, buf) => {
      leg.reader.push(buf.subarray(0, n))
      // Decided: pause until the next phase wants bytes again.
      return !attempt()
    }
    socket.on("end", onEnd)
    socket.on("close", onEnd)
    socket.on("error", onError)
    resumeReading(socket)
    return () => {
      if (done) return
      done = true
      leg.handler = hold
      socket.off("end", onEnd)
      socket.off("close", onEnd)
      socket.off("error", onError)
    }
  }, timeout, () => Effect.fail(new LegClosed({ leg: leg.name, waitingFor, detail: "sent nothing in time" })))
