/**
 * Test helpers for byte streams over real sockets: deterministic random payloads written with
 * backpressure, and hashing readers (optionally slow, to exercise pause/resume).
 */
import { createHash, randomBytes } from "node:crypto"
import type * as Net from "node:net"

export interface Sent {
  readonly bytes: number
  readonly sha256: string
}

/** Writes `total` random bytes in random-sized chunks, honouring backpressure; resolves when all are handed to the socket. */
export const sendRandom = (socket: Net.Socket, total: number, end = true): Promise<Sent> =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256")
    let sent = 0
    const pump = () => {
      while (sent < total) {
        const size = Math.min(total - sent, 1 + Math.floor(Math.random() * 256 * 1024))
        const chunk = randomBytes(size)
        hash.update(chunk)
        sent += size
        if (!socket.write(chunk)) {
          socket.once("drain", pump)
          return
        }
      }
      if (end) socket.end()
      resolve({ bytes: sent, sha256: hash.digest("hex") })
    }
    socket.once("error", reject)
    pump()
  })

/**
 * Reads until EOF and hashes everything. The first `slowBytes` are read slowly: the reader
 * pauses for a few ms after each chunk, so the sender's side of the relay must back off.
 */
export const receiveAll = (socket: Net.Socket, slowBytes = 0): Promise<Sent> =>
  new Promise((resolve, reject) => {
    const hash = createHash("sha256")
    let received = 0
    socket.on("data", (chunk: Buffer) => {
      hash.update(chunk)
      received += chunk.length
      if (received < slowBytes) {
        socket.pause()
        setTimeout(() => socket.resume(), 2)
      }
    })
    socket.once("end", () => resolve({ bytes: received, sha256: hash.digest("hex") }))
    socket.once("error", reject)
  })
