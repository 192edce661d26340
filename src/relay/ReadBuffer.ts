/**
 * The process-wide read buffer for backend sockets opened with Node's `onread` option.
 *
 * Node normally allocates a fresh 64 KiB ArrayBuffer for every socket read; in a process
 * that carries Effect's heap that allocation rate costs more CPU in garbage collection than
 * the copy itself (../docs/performance.md). With `onread`, Node reads into a buffer we
 * provide and calls us synchronously, so one buffer can serve every connection: it is only
 * in use between the read and our `write()` of it.
 *
 * The single exception is a write that the kernel could not take at once: Node then keeps a
 * reference to our bytes until the write completes. Such a buffer is `retire`d — it stays
 * with that pending write — and a fresh shared buffer takes its place. A slow reader
 * therefore costs one allocation per stall, and an idle connection costs no buffer at all.
 */

/** Same size Node uses for its own socket reads. */
export const READ_BUFFER_SIZE = 64 * 1024

let shared: Buffer = Buffer.allocUnsafe(READ_BUFFER_SIZE)

/** Passed as `onread.buffer`: Node calls it before each read. */
export const currentReadBuffer = (): Buffer => shared

/** Hand `buf` over to a pending write; later reads use a new buffer. */
export const retireReadBuffer = (buf: Uint8Array): void => {
  if (buf === shared) shared = Buffer.allocUnsafe(READ_BUFFER_SIZE)
}
