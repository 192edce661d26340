/**
 * The read buffer of one relayed socket, for Node's `onread` option.
 *
 * Node normally allocates a fresh 64 KiB ArrayBuffer for every socket read; in a process that
 * carries Effect's heap that allocation rate costs more CPU in garbage collection than the copy
 * itself (docs/performance.md). With `onread`, Node reads into a buffer we provide and calls us
 * synchronously, and the relay writes the bytes on at once.
 *
 * Each socket owns its buffer. It is never shared between sockets: Node registers a socket's
 * *next* read buffer right after each read, so a buffer handed to two sockets could be filled
 * by one while a write of the other still holds its bytes. A socket's own buffer is safe to
 * reuse because the relay pauses the socket while a write of its bytes is pending.
 *
 * The buffer starts small, so an idle session costs little memory, and grows when a read fills
 * it (bulk traffic such as chunk loading), up to the 64 KiB Node itself reads at a time. It goes
 * back to the small size once the traffic is quiet again (a run of reads that would each have
 * fit the small size): every player loads chunks when joining, and without shrinking each
 * session would then keep 64 KiB per direction for as long as it idles.
 */
import type * as Net from "node:net"

/** Same size Node uses for its own socket reads. */
const MAX_READ_BUFFER = 64 * 1024
/**
 * First size: enough for the packets of an idle player (keep-alives and movement are tens of
 * bytes); chunk loading grows it to the maximum within a few reads (×4 per full read).
 */
const INITIAL_READ_BUFFER = 512
const GROWTH = 4
/**
 * Reads in a row that would have fit the first size before a grown buffer is replaced by one of
 * that size. Only reads that small count: under bulk traffic (many connections sharing the
 * link) reads of a few KiB are common, and shrinking on those would make every session regrow
 * its buffer again and again.
 */
export const QUIET_READS = 32

/**
 * Where a socket's reads go: `onData` is read at every call, so its holder may swap it. It is
 * given the socket read from, so one function can serve every socket (the relay's do).
 */
export interface ReadSink {
  onData: (n: number, buf: Buffer, socket: Net.Socket) => boolean
}

export class ReadBuffer {
  private buffer: Buffer
  /** The size of the next buffer, when it must change. */
  private resize = 0
  private quiet = 0
  /**
   * Passed as `onread.buffer`. Node calls it without a receiver, so it is the one function made
   * per socket (bound here); everything else is shared by every socket (see {@link readInto}).
   */
  readonly next: () => Buffer

  readonly sink: ReadSink
  private readonly initial: number

  constructor(sink: ReadSink, initial = INITIAL_READ_BUFFER) {
    this.sink = sink
    this.initial = initial
    this.buffer = Buffer.allocUnsafeSlow(initial)
    this.next = this.take.bind(this)
  }

  private take(): Buffer {
    if (this.resize > 0) {
      // The old buffer may still back a pending write; it is simply left to the collector.
      this.buffer = Buffer.allocUnsafeSlow(this.resize)
      this.resize = 0
    }
    return this.buffer
  }

  /** Called with the bytes of each read: a full buffer makes the next one larger. */
  filled(n: number): void {
    const size = this.buffer.length
    if (n === size) {
      this.quiet = 0
      if (size < MAX_READ_BUFFER) this.resize = Math.min(MAX_READ_BUFFER, size * GROWTH)
    } else if (size > this.initial && n <= this.initial) {
      if (++this.quiet >= QUIET_READS) (this.quiet = 0, this.resize = this.initial)
    } else {
      this.quiet = 0
    }
  }
}

/** The socket's own ReadBuffer, where the shared `onread` callback finds it. */
const READS = Symbol("infrarust.readBuffer")
type Reading = Net.Socket & { [READS]: ReadBuffer }

/**
 * The `onread.callback` of every relayed socket: Node calls it as a method of the socket, so
 * one function serves all of them and an idle session keeps no closure per socket for it.
 */
function readInto(this: Net.Socket, n: number, buf: Uint8Array): boolean {
  const reads = (this as Reading)[READS]
  reads.filled(n)
  return reads.sink.onData(n, buf as Buffer, this)
}

/** The `onread` option that reads into `reads`; call {@link attachReads} on the socket it makes. */
export const onreadOption = (reads: ReadBuffer) => ({ buffer: reads.next, callback: readInto })

/** Lets the shared callback find the socket's buffer: before the socket's first read. */
export const attachReads = <S extends Net.Socket>(socket: S, reads: ReadBuffer): S => {
  ;(socket as unknown as Reading)[READS] = reads
  return socket
}
