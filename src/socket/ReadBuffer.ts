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

export interface ReadBuffer {
  /** Passed as `onread.buffer`: Node calls it for the buffer of the next read. */
  readonly next: () => Buffer
  /** Call from the `onread` callback with the bytes read: a full buffer makes the next one larger. */
  readonly filled: (n: number) => void
}

export const makeReadBuffer = (initial = INITIAL_READ_BUFFER): ReadBuffer => {
  let buffer = Buffer.allocUnsafeSlow(initial)
  /** The size of the next buffer, when it must change. */
  let resize = 0
  let quiet = 0
  return {
    next: () => {
      if (resize > 0) {
        // The old buffer may still back a pending write; it is simply left to the collector.
        buffer = Buffer.allocUnsafeSlow(resize)
        resize = 0
      }
      return buffer
    },
    filled: (n) => {
      if (n === buffer.length) {
        quiet = 0
        if (buffer.length < MAX_READ_BUFFER) resize = Math.min(MAX_READ_BUFFER, buffer.length * GROWTH)
      } else if (buffer.length > initial && n <= initial) {
        if (++quiet >= QUIET_READS) (quiet = 0, resize = initial)
      } else {
        quiet = 0
      }
    }
  }
}
