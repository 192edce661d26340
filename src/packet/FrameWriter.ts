/**
 * The frame writer of one leg of an intercepted session: queues frames for that leg (new
 * packets, or frames read on the other leg, re-framed with the least work: Framing.ts) and
 * hands them to the socket in as few buffers as possible, encrypted when the leg is.
 *
 * Use from the other leg's `onread` callback, after its frames are read:
 *
 *   writer.forward(frame)            // per frame to relay (or writePacket for a new one)
 *   socket.cork(); writer.flush((b) => socket.write(b)); socket.uncork()
 *
 * Invariants:
 * - On a clear leg, a forwarded frame whose bytes are valid there is not copied: the queue
 *   holds a view into the reader's buffer, and consecutive frames of one buffer become one
 *   view (one write per read, not per frame). Hence: flush before the reading leg's next
 *   `push`, and, as for any relayed buffer, keep that leg paused while the socket still holds
 *   written bytes.
 * - Frames the writer builds, and on an encrypted leg every frame, are written one after the
 *   other into the writer's own buffer, so a flush makes one cipher call (its fixed cost is
 *   about a microsecond, as much as encrypting 50 bytes) and the memcpy is cheap next to AES.
 *   That buffer is reused only when the cipher consumed it; one handed out in clear is left
 *   to the socket and a new one is taken.
 * - Bytes queued before `setEncryption` are written in clear, the ones after encrypted, in
 *   queue order; framing uses the threshold in force when the frame is queued.
 * - Never throws: a packet or frame that cannot be framed for this leg is a ProtocolError and
 *   nothing of it is queued.
 */
import { isProtocolError, type ProtocolError } from "../protocol/ProtocolError.ts"
import { encodeVarInt } from "../protocol/VarInt.ts"
import type { StreamCipher } from "./Cipher.ts"
import { COMPRESSION_OFF } from "./FrameReader.ts"
import { type FramePlan, planPacket, planReframe, writePlan } from "./Framing.ts"
import type { ReadFrame } from "./ReadFrame.ts"

const EMPTY = new Uint8Array(0)
/** First size of the writer's own buffer. */
const MIN_ARENA = 16 * 1024
/** A buffer grown above this (a burst of big packets) is not kept after a flush. */
const KEEP_ARENA = 1024 * 1024

export class FrameWriter {
  private threshold = COMPRESSION_OFF
  private cipher: StreamCipher | undefined = undefined
  /** Queued runs `buffers[i][starts[i], ends[i])`, `count` of them; the arrays are reused. */
  private readonly buffers: Array<Uint8Array> = []
  private readonly starts: Array<number> = []
  private readonly ends: Array<number> = []
  private count = 0
  /** Runs before this index were queued before encryption started: written in clear. */
  private clearRuns = 0
  private queuedBytes = 0
  /** The writer's own buffer: `arena[0, arenaUsed)` is queued. */
  private arena: Uint8Array = EMPTY
  private arenaUsed = 0

  /** Compression threshold for frames queued from now on; negative = off. */
  setCompression(threshold: number): void {
    this.threshold = threshold < 0 ? COMPRESSION_OFF : threshold
  }

  get compressionThreshold(): number {
    return this.threshold
  }

  /** Encrypts every byte queued from now on. */
  setEncryption(cipher: StreamCipher): void {
    this.cipher = cipher
    this.clearRuns = this.count
  }

  /** Bytes queued and not flushed yet. */
  get pending(): number {
    return this.queuedBytes
  }

  /** Queues a new packet: `VarInt id | payload`, framed by vanilla's rule for this leg. */
  writePacket(packetId: number, payload: Uint8Array): ProtocolError | undefined {
    const id = encodeVarInt(packetId)
    const body = new Uint8Array(id.length + payload.length)
    body.set(id)
    body.set(payload, id.length)
    return this.writeBody(body)
  }

  /** Queues a new packet given as `VarInt id | payload`. */
  writeBody(body: Uint8Array): ProtocolError | undefined {
    const plan = planPacket(body, this.threshold)
    if (isProtocolError(plan)) return plan
    this.build(plan)
    return undefined
  }

  /** Queues `frame`, read on any leg, re-framed for this one with the least work. */
  forward(frame: ReadFrame): ProtocolError | undefined {
    const plan = planReframe(frame, this.threshold)
    if (plan === undefined) {
      if (this.cipher === undefined) {
        this.queue(frame.bytes, frame.start, frame.end)
      } else {
        const at = this.reserve(frame.end - frame.start)
        this.arena.set(frame.bytes.subarray(frame.start, frame.end), at)
        this.queue(this.arena, at, this.arenaUsed)
      }
      return undefined
    }
    if (isProtocolError(plan)) return plan
    this.build(plan)
    return undefined
  }

  /**
   * Hands every queued byte to `write`, in order, in as few buffers as the queue allows
   * (encrypted ones are new buffers; clear ones may be views into a reader's buffers).
   * Returns the bytes written. The queue is empty afterwards.
   */
  flush(write: (bytes: Uint8Array) => void): number {
    const total = this.queuedBytes
    let arenaGone = this.arena.length > KEEP_ARENA
    for (let i = 0; i < this.count; i++) {
      const buf = this.buffers[i]!
      const start = this.starts[i]!
      const end = this.ends[i]!
      const view = start === 0 && end === buf.length ? buf : buf.subarray(start, end)
      if (this.cipher !== undefined && i >= this.clearRuns) {
        write(this.cipher.update(view))
      } else {
        write(view)
        if (buf === this.arena) arenaGone = true // the socket may hold it: take a new one
      }
      this.buffers[i] = EMPTY
    }
    if (arenaGone) this.arena = EMPTY
    this.arenaUsed = 0
    this.count = 0
    this.clearRuns = 0
    this.queuedBytes = 0
    return total
  }

  /** Writes a planned frame into the writer's buffer and queues it. */
  private build(plan: FramePlan): void {
    const at = this.reserve(plan.size)
    writePlan(plan, this.arena, at)
    this.queue(this.arena, at, this.arenaUsed)
  }

  /**
   * Room for `n` bytes in the writer's buffer; returns where. A full buffer is left to the runs
   * that use it and a twice larger one taken, so a leg settles on one buffer per flush.
   */
  private reserve(n: number): number {
    if (this.arenaUsed + n > this.arena.length) {
      let size = Math.max(MIN_ARENA, this.arena.length * 2)
      while (size < n) size *= 2
      this.arena = new Uint8Array(size)
      this.arenaUsed = 0
    }
    const at = this.arenaUsed
    this.arenaUsed += n
    return at
  }

  /** Appends a run, or extends the last one when `buf[start]` directly follows it. */
  private queue(buf: Uint8Array, start: number, end: number): void {
    this.queuedBytes += end - start
    const last = this.count - 1
    if (last >= this.clearRuns && this.buffers[last] === buf && this.ends[last] === start) {
      this.ends[last] = end
      return
    }
    this.buffers[this.count] = buf
    this.starts[this.count] = start
    this.ends[this.count] = end
    this.count++
  }
}
