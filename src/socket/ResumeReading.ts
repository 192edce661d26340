/**
 * Restarting reads on a socket whose `onread` callback returned false.
 *
 * Returning false stops the handle's reads, but leaves the stream "flowing"; `resume()` on a
 * flowing stream does nothing, so the reads would never start again. Pausing first makes the
 * resume schedule a read, which restarts the handle (measured on Node 24: without the pause,
 * a socket stopped this way stays silent).
 */
import type * as Net from "node:net"

export const resumeReading = (socket: Net.Socket): void => {
  if (socket.destroyed) return
  socket.pause()
  socket.resume()
}
