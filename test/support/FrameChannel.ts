/**
 * One accepted TCP connection seen as Minecraft frames, for tests that play the server side of a
 * login by hand: `next(decode)` waits for the next complete frame and decodes it with one of our
 * decoders; `send` writes bytes; `encrypt(secret)` switches both directions to AES-128-CFB8
 * (key = IV = the shared secret) with node:crypto, as vanilla does after the key exchange.
 * Bytes the client sent after its Encryption Response are already encrypted, so switching also
 * decrypts whatever is buffered and not yet consumed. Uncompressed framing only (the login never
 * needs more here). Plain Node.
 */
import { type Cipheriv, createCipheriv, createDecipheriv, type Decipheriv } from "node:crypto"
import * as Net from "node:net"
import type { Decode } from "../../src/protocol/Decode.ts"

export interface FrameChannel {
  readonly next: <A>(decode: (bytes: Uint8Array, offset: number) => Decode<A>) => Promise<A>
  readonly send: (bytes: Uint8Array) => void
  readonly encrypt: (secret: Uint8Array) => void
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>
  /** Ends the connection after what was sent is flushed (as a server does after a Disconnect). */
  readonly close: () => void
}

export const frameChannel = (socket: Net.Socket): FrameChannel => {
  let buffer: Buffer = Buffer.alloc(0)
  let cipher: Cipheriv | undefined
  let decipher: Decipheriv | undefined
  let ended = false
  let wake: () => void = () => {}
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()))
  socket.on("data", (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, decipher === undefined ? chunk : decipher.update(chunk)])
    wake()
  })
  socket.on("error", () => {})
  socket.once("close", () => {
    ended = true
    wake()
  })

  const next = <A>(decode: (bytes: Uint8Array, offset: number) => Decode<A>): Promise<A> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        const d = decode(buffer, 0)
        if (d._tag === "Done") {
          buffer = buffer.subarray(d.offset)
          wake = () => {}
          return resolve(d.value)
        }
        if (d._tag === "ProtocolError") return reject(new Error(`undecodable frame: ${d.message}`))
        if (ended) return reject(new Error("the connection closed before a complete frame"))
        wake = attempt
      }
      attempt()
    })

  return {
    next,
    send: (bytes) => void socket.write(cipher === undefined ? bytes : cipher.update(bytes)),
    encrypt: (secret) => {
      cipher = createCipheriv("aes-128-cfb8", secret, secret)
      decipher = createDecipheriv("aes-128-cfb8", secret, secret)
      buffer = decipher.update(buffer)
    },
    closed,
    close: () => {
      socket.end()
      // A peer that never closes its side does not keep the socket (and the test) alive.
      socket.setTimeout(2000, () => socket.destroy())
    }
  }
}

/** A listener on 127.0.0.1:0 whose connections are handed out one by one. */
export const listenForFrames = (): Promise<{ readonly port: number; readonly accept: () => Promise<FrameChannel>; readonly close: () => Promise<void> }> =>
  new Promise((resolve) => {
    const pending: Array<Net.Socket> = []
    const waiting: Array<(s: Net.Socket) => void> = []
    const sockets = new Set<Net.Socket>()
    const server = Net.createServer((socket) => {
      sockets.add(socket)
      socket.once("close", () => sockets.delete(socket))
      const taker = waiting.shift()
      if (taker === undefined) pending.push(socket)
      else taker(socket)
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as Net.AddressInfo).port,
        accept: () =>
          new Promise<Net.Socket>((r) => {
            const socket = pending.shift()
            if (socket === undefined) waiting.push(r)
            else r(socket)
          }).then(frameChannel),
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy()
            server.close(() => r())
          })
      }))
  })
