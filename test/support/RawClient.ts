/**
 * A Minecraft client without a client library, built on the project's own encoders: the bytes
 * of a login or a whole status exchange, one raw exchange from a chosen loopback source address
 * (Linux routes all of 127.0.0.0/8 to lo, so each test "client" can have its own address), and
 * raw logins that only wait for the backend's first reply — cheap enough for storms of hundreds.
 */
import { createHash } from "node:crypto"
import * as Net from "node:net"
import { type Encoded, isEncodedBytes } from "../../src/protocol/ByteWriter.ts"
import { decodeLoginDisconnect } from "../../src/protocol/Disconnect.ts"
import { encodeHandshake, NextState } from "../../src/protocol/Handshake.ts"
import { encodeLoginStart } from "../../src/protocol/LoginStart.ts"
import { encodePingRequest, encodeStatusRequest } from "../../src/protocol/Status.ts"

/** 1.20.4 */
export const PROTOCOL = 765

/** The bytes of an encoding, or a thrown test error naming what could not be encoded. */
export const bytesOf = (encoded: Encoded): Uint8Array => {
  if (!isEncodedBytes(encoded)) throw new Error(encoded.message)
  return encoded
}

/** The offline-mode UUID vanilla (and minecraft-protocol) derive from a name. */
export const offlineUuid = (name: string): string => {
  const h = createHash("md5").update(`OfflinePlayer:${name}`).digest()
  h[6] = (h[6]! & 0x0f) | 0x30
  h[8] = (h[8]! & 0x3f) | 0x80
  const hex = h.toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export interface HandshakeOptions {
  /** Protocol number in the handshake; {@link PROTOCOL} (1.20.4) unless given. */
  readonly protocol?: number
  /** Port in the handshake; 25565 unless given. */
  readonly serverPort?: number
}

/**
 * A login handshake and login start, as one write. From 1.20.2 (764) the login start carries a
 * UUID: `uuid`, or the offline UUID of `name`; before that, `uuid` only if given.
 */
export const loginBytes = (host: string, name: string, options: HandshakeOptions & { readonly uuid?: string } = {}): Uint8Array => {
  const protocol = options.protocol ?? PROTOCOL
  const uuid = options.uuid ?? (protocol >= 764 ? offlineUuid(name) : undefined)
  return Buffer.concat([
    bytesOf(encodeHandshake({ protocolVersion: protocol, serverAddress: host, serverPort: options.serverPort ?? 25565, nextState: NextState.Login })),
    bytesOf(encodeLoginStart(uuid === undefined ? { name } : { name, uuid }, protocol))
  ])
}

/** A whole status exchange sent at once: handshake, status request, ping (payload `pingPayload`, 42 unless given). */
export const statusBytes = (host: string, options: HandshakeOptions & { readonly pingPayload?: bigint } = {}): Uint8Array =>
  Buffer.concat([
    bytesOf(encodeHandshake({ protocolVersion: options.protocol ?? PROTOCOL, serverAddress: host, serverPort: options.serverPort ?? 25565, nextState: NextState.Status })),
    encodeStatusRequest(),
    encodePingRequest(options.pingPayload ?? 42n)
  ])

export interface Exchange {
  readonly received: Buffer
  /** The proxy closed the connection (rather than our timeout ending it). */
  readonly closed: boolean
}

/** Connects from `localAddress`, writes `bytes`, collects what comes back until close or `timeoutMs`. */
export const exchange = (
  port: number,
  bytes: Uint8Array,
  options: { readonly localAddress?: string; readonly timeoutMs?: number } = {}
): Promise<Exchange> =>
  new Promise((resolve) => {
    const chunks: Array<Buffer> = []
    const socket = Net.connect({ port, host: "127.0.0.1", localAddress: options.localAddress ?? "127.0.0.1" })
    const finish = (closed: boolean) => {
      clearTimeout(timer)
      socket.destroy()
      resolve({ received: Buffer.concat(chunks), closed })
    }
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 3000)
    socket.on("connect", () => socket.write(bytes))
    socket.on("data", (c: Buffer) => chunks.push(c))
    socket.on("error", () => {})
    socket.on("close", () => finish(true))
  })

/** The text of a login Disconnect at the start of `bytes`, or undefined. */
export const disconnectText = (bytes: Uint8Array): string | undefined => {
  const r = decodeLoginDisconnect(bytes, 0)
  if (r._tag !== "Done") return undefined
  const parsed = JSON.parse(r.value.json) as { text?: string }
  return parsed.text
}

export interface RawSession {
  /** Closes the connection. */
  readonly leave: () => void
  /** Resolves when the connection has closed. */
  readonly closed: Promise<void>
}

let uuidCounter = 1

/**
 * A login through the proxy on `port` (handshake and login start in one write, a fresh UUID
 * each time), resolved at the backend's first reply (compression or login success); it stays
 * open until `leave`.
 */
export const rawLogin = (protocol: number, port: number, host: string, name: string, timeoutMs = 5000): Promise<RawSession> =>
  new Promise((resolve, reject) => {
    const uuid = "00000000-0000-3000-8000-" + (0x1000000000000 + (uuidCounter++ % 0x1000000000000)).toString(16).slice(1)
    const bytes = loginBytes(host, name, { protocol, serverPort: port, ...(protocol >= 764 ? { uuid } : {}) })
    const socket = Net.connect({ host: "127.0.0.1", port, noDelay: true })
    const closed = new Promise<void>((done) => socket.once("close", () => done()))
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`${name}: no reply within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on("error", () => {})
    socket.once("connect", () => socket.write(bytes))
    socket.once("data", () => {
      clearTimeout(timer)
      resolve({ leave: () => socket.destroy(), closed })
    })
    socket.once("close", () => {
      clearTimeout(timer)
      reject(new Error(`${name}: closed before any reply`))
    })
  })

/** `count` raw logins (named p0, p1, ...) that leave at once, `parallel` at a time. */
export const rawLoginStorm = async (protocol: number, port: number, host: string, count: number, parallel: number) => {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const session = await rawLogin(protocol, port, host, `p${next++}`)
      session.leave()
      await session.closed
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
}
