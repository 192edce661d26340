/**
 * A Minecraft 1.21.4 client for the intercepted subjects (offline, client_only), just complete
 * enough to log in and then move bytes, in plain Node (the load driver and its rate workers do
 * not load Effect):
 *
 * - sends the handshake and Login Start it is given, with a fresh UUID per connection (the proxy
 *   keeps one session per player: a shared UUID would make every login end the previous one);
 * - on an Encryption Request (client_only): a random shared secret, RSA-encrypted with the
 *   request's public key together with the verify token; the join posted to the session server
 *   (`POST /session/minecraft/join` with the server hash), then the Encryption Response and
 *   AES-128-CFB8 both ways from there on;
 * - Set Compression, Login Success (answered with Login Acknowledged), then in the configuration
 *   state Finish Configuration (acknowledged): the connection is in play.
 *
 * Reads go through `onread` into the buffer the caller gives (one per thread): bulk downloads
 * allocate nothing per read unless the link is encrypted (a decipher returns a new buffer).
 */
import { type Cipheriv, constants, createCipheriv, createDecipheriv, createPublicKey, type Decipheriv, publicEncrypt, randomBytes, randomUUID } from "node:crypto"
import * as Http from "node:http"
import * as Net from "node:net"
import { inflateSync } from "node:zlib"
import { serverHash } from "../../src/auth/ServerHash.ts"
import { byteArray, IDS, packetFrame, readVarInt, readWireFrame } from "../lib/wire.ts"

export interface GameLoginOptions {
  readonly port: number
  /** Handshake + Login Start (1.21.4: the UUID is its last 16 bytes, replaced per connection). */
  readonly hello: Uint8Array
  /** Base URL of the session server the join is posted to, when the server asks for encryption. */
  readonly sessionServer?: string | undefined
  /** Shared read buffer (its contents are valid only during a `play` handler call). */
  readonly readBuffer: Buffer
  readonly timeoutMs?: number
}

/** A connection in the play state. */
export interface GameSession {
  readonly socket: Net.Socket
  readonly encrypted: boolean
  /** The compression threshold the server set (negative: none). */
  readonly threshold: number
  /** Sends wire bytes (whole frames, in order), encrypted when the link is; false when the socket is full. */
  readonly write: (bytes: Uint8Array) => boolean
  /**
   * Hands every play-state byte (decrypted) to `handler`, those that arrived with the login's
   * last packets first. The view is valid only during the call.
   */
  readonly play: (handler: (bytes: Buffer) => void) => void
}

const joinAgent = new Http.Agent({ keepAlive: true, maxSockets: 64 })

/** `POST /session/minecraft/join`, as a launcher does before answering the Encryption Request. */
const postJoin = (base: string, profileId: string, hash: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const body = JSON.stringify({ accessToken: "bench", selectedProfile: profileId, serverId: hash })
    const req = Http.request(`${base}/session/minecraft/join`, {
      method: "POST",
      agent: joinAgent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) }
    }, (res) => {
      res.resume()
      res.once("end", () => (res.statusCode === 204 ? resolve() : reject(new Error(`join: HTTP ${res.statusCode}`))))
    })
    req.once("error", reject)
    req.end(body)
  })

/** The Encryption Request's fields (1.20.5+: server id, public key, verify token, should authenticate). */
const readEncryptionRequest = (body: Uint8Array) => {
  let at = readVarInt(body, 0)![1]
  const idLen = readVarInt(body, at)!
  const serverId = Buffer.from(body.subarray(idLen[1], idLen[1] + idLen[0])).toString("latin1")
  at = idLen[1] + idLen[0]
  const keyLen = readVarInt(body, at)!
  const publicKey = body.subarray(keyLen[1], keyLen[1] + keyLen[0])
  at = keyLen[1] + keyLen[0]
  const tokenLen = readVarInt(body, at)!
  const verifyToken = body.subarray(tokenLen[1], tokenLen[1] + tokenLen[0])
  return { serverId, publicKey, verifyToken }
}

const rsa = (publicKeyDer: Uint8Array, data: Uint8Array) =>
  publicEncrypt({ key: createPublicKey({ key: Buffer.from(publicKeyDer), format: "der", type: "spki" }), padding: constants.RSA_PKCS1_PADDING }, data)

const inflated = (body: Uint8Array, dataLength: number): Uint8Array => (dataLength === 0 ? body : inflateSync(body))

/** Connects, logs in, crosses the configuration state; resolves in play. */
export const gameLogin = (o: GameLoginOptions): Promise<GameSession> =>
  new Promise((resolve, reject) => {
    const uuid = randomUUID()
    const hello = Buffer.from(o.hello)
    Buffer.from(uuid.replaceAll("-", ""), "hex").copy(hello, hello.length - 16)
    let state: "login" | "encrypting" | "configuration" | "play" = "login"
    let threshold = -1
    let encryptor: Cipheriv | undefined
    let decryptor: Decipheriv | undefined
    let pending: Buffer = Buffer.alloc(0)
    let playHandler: ((bytes: Buffer) => void) | undefined
    const early: Array<Buffer> = []
    let settled = false

    const fail = (e: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      reject(e)
    }
    const send = (bytes: Uint8Array): boolean => socket.write(encryptor === undefined ? bytes : encryptor.update(bytes))

    const session: GameSession = {
      socket: undefined as unknown as Net.Socket,
      get encrypted() {
        return encryptor !== undefined
      },
      get threshold() {
        return threshold
      },
      write: send,
      play: (handler) => {
        playHandler = handler
        for (const b of early.splice(0)) handler(b)
      }
    }

    /** Login and configuration packets, one at a time, from `pending`. */
    const step = () => {
      let at = 0
      for (;;) {
        if (state === "play" || state === "encrypting") break
        const f = readWireFrame(pending, at, threshold)
        if (f === undefined) break
        at = f.end
        const body = inflated(f.body, f.dataLength)
        const id = readVarInt(body, 0)![0]
        if (state === "login") {
          const ids = IDS.login.clientbound
          if (id === ids.encryptionRequest) {
            state = "encrypting"
            pending = pending.subarray(at)
            at = 0
            encrypt(readEncryptionRequest(body))
            return
          }
          if (id === ids.setCompression) threshold = readVarInt(body, readVarInt(body, 0)![1])![0]
          else if (id === ids.success) {
            send(packetFrame(IDS.login.serverbound.acknowledged, new Uint8Array(0), threshold))
            state = "configuration"
          } else if (id === ids.disconnect) return fail(new Error(`login refused: ${Buffer.from(body.subarray(1)).toString("utf8").slice(0, 200)}`))
          else return fail(new Error(`unexpected login packet 0x${id.toString(16)}`))
        } else if (state === "configuration") {
          const ids = IDS.configuration.clientbound
          if (id === ids.finish) {
            send(packetFrame(IDS.configuration.serverbound.finishAcknowledged, new Uint8Array(0), threshold))
            state = "play"
          } else if (id === ids.disconnect) return fail(new Error("disconnected during configuration"))
        }
      }
      pending = pending.subarray(at)
      if (state === "play" && !settled) {
        settled = true
        clearTimeout(timer)
        if (pending.length > 0) early.push(Buffer.from(pending))
        pending = Buffer.alloc(0)
        resolve(session)
      }
    }

    const encrypt = (request: ReturnType<typeof readEncryptionRequest>) => {
      const secret = randomBytes(16)
      const answer = Buffer.concat([byteArray(rsa(request.publicKey, secret)), byteArray(rsa(request.publicKey, request.verifyToken))])
      const respond = () => {
        send(packetFrame(IDS.login.serverbound.encryptionResponse, answer, threshold))
        encryptor = createCipheriv("aes-128-cfb8", secret, secret)
        decryptor = createDecipheriv("aes-128-cfb8", secret, secret)
        // Nothing should have followed the request, but whatever did is encrypted.
        if (pending.length > 0) pending = decryptor.update(pending)
        state = "login"
        step()
      }
      if (o.sessionServer === undefined) return respond()
      postJoin(o.sessionServer, uuid.replaceAll("-", ""), serverHash(request.serverId, secret, request.publicKey)).then(respond, fail)
    }

    const onBytes = (n: number, buf: Buffer) => {
      const view = buf.subarray(0, n)
      const bytes = decryptor === undefined ? view : decryptor.update(view)
      if (state === "play") {
        if (playHandler !== undefined) playHandler(bytes)
        else early.push(Buffer.from(bytes))
        return true
      }
      pending = Buffer.concat([pending, bytes])
      if (state !== "encrypting") step()
      return true
    }

    const socket = Net.connect({ port: o.port, host: "127.0.0.1", noDelay: true, onread: { buffer: o.readBuffer, callback: onBytes } })
    ;(session as { socket: Net.Socket }).socket = socket
    const timer = setTimeout(() => fail(new Error(`no play state within ${o.timeoutMs ?? 10_000} ms (stuck in ${state})`)), o.timeoutMs ?? 10_000)
    socket.once("connect", () => socket.write(hello))
    socket.on("error", (e) => fail(e))
    socket.on("close", () => fail(new Error(`closed during the ${state} state`)))
  })
