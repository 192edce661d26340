/**
 * A hand-made Minecraft client for tests that must send what no real client sends: a login that
 * answers the proxy's Encryption Request with a wrong verify token, or frames that break the
 * rules once the session runs (a huge declared size, a zlib bomb, garbage after encryption
 * starts, a frame cut in the middle of the cipher stream).
 *
 * It logs in (offline, or online against a fake session server), follows Set Compression and
 * encryption with the project's own frame reader and writer (src/packet/), and then hands over
 * its socket and writer. Plain Node: promises, no Effect.
 */
import { createCipheriv, publicEncrypt, randomBytes, constants as Crypto } from "node:crypto"
import * as Net from "node:net"
import { offlineUuid } from "../../src/auth/OfflineUuid.ts"
import { serverHash } from "../../src/auth/ServerHash.ts"
import { makeDecryptor, makeEncryptor } from "../../src/packet/Cipher.ts"
import { FrameReader } from "../../src/packet/FrameReader.ts"
import { FrameWriter } from "../../src/packet/FrameWriter.ts"
import { isEncodedBytes } from "../../src/protocol/ByteWriter.ts"
import { encodeFrame } from "../../src/protocol/Frame.ts"
import { decodeEncryptionRequest } from "../../src/protocol/EncryptionRequest.ts"
import { encodeEncryptionResponse } from "../../src/protocol/EncryptionResponse.ts"
import { encodeHandshake, NextState } from "../../src/protocol/Handshake.ts"
import { encodeLoginStart } from "../../src/protocol/LoginStart.ts"
import { packetTable } from "../../src/protocol/PacketIds.ts"
import { isProtocolError } from "../../src/protocol/ProtocolError.ts"
import { decodeTextField } from "../../src/protocol/TextPackets.ts"
import { decodeVarInt } from "../../src/protocol/VarInt.ts"

export interface RawSession {
  readonly socket: Net.Socket
  readonly writer: FrameWriter
  /** The AES stream of the client's outbound bytes, when online (for writing raw ciphertext). */
  readonly encrypt: ((bytes: Uint8Array) => Uint8Array) | undefined
  /** Resolves when the proxy closes the connection. */
  readonly closed: Promise<void>
}

export type RawLogin =
  | { readonly _tag: "LoggedIn"; readonly session: RawSession }
  | { readonly _tag: "Kicked"; readonly reason: string }
  | { readonly _tag: "Closed" }

export interface RawLoginOptions {
  readonly online?: { readonly sessionServer: string; readonly id: string }
  /** Answer the Encryption Request with a verify token other than the one asked for. */
  readonly wrongToken?: boolean
}

const bytes = (e: Uint8Array | unknown): Uint8Array => {
  if (!(e instanceof Uint8Array)) throw new Error(`cannot encode: ${String(e)}`)
  return e
}

const postJoin = async (sessionServer: string, id: string, name: string, hash: string) => {
  const response = await fetch(`${sessionServer}/session/minecraft/join`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ accessToken: `token-${name}`, selectedProfile: id.replaceAll("-", ""), serverId: hash })
  })
  if (!response.ok && response.status !== 204) throw new Error(`join refused: ${response.status}`)
}

/** Logs in as `name` with protocol `protocol` through 127.0.0.1:`port`. */
export const rawLogin = (port: number, host: string, protocol: number, name: string, options: RawLoginOptions = {}): Promise<RawLogin> =>
  new Promise((resolve, reject) => {
    const table = packetTable(protocol)
    if (table === undefined) return reject(new Error(`no packet table for ${protocol}`))
    const ids = table.login.clientbound.ids
    const socket = Net.connect(port, "127.0.0.1")
    const reader = new FrameReader()
    const writer = new FrameWriter()
    let encrypt: ((b: Uint8Array) => Uint8Array) | undefined
    let settled = false
    const closed = new Promise<void>((done) => socket.once("close", () => done()))
    const settle = (outcome: RawLogin) => {
      if (settled) return
      settled = true
      socket.removeAllListeners("data")
      resolve(outcome)
    }
    socket.on("error", () => {})
    socket.once("close", () => settle({ _tag: "Closed" }))
    const send = (id: number, payload: Uint8Array) => {
      writer.writePacket(id, payload)
      writer.flush((b) => socket.write(b))
    }
    const onPacket = async (id: number, payload: Uint8Array) => {
      if (id === ids.disconnect) {
        const reason = decodeTextField(0, payload)
        return settle({ _tag: "Kicked", reason: isProtocolError(reason) ? "?" : reason })
      }
      if (id === ids.compress) {
        const threshold = decodeVarInt(payload, 0)
        if (threshold._tag !== "Done") throw new Error("unreadable Set Compression")
        reader.setCompression(threshold.value)
        writer.setCompression(threshold.value)
        return
      }
      if (id === ids.encryption_begin) {
        const request = decodeEncryptionRequest(bytes(encodeFrame(id, payload)), 0, protocol)
        if (request._tag !== "Done") throw new Error("unreadable encryption request")
        const secret = new Uint8Array(randomBytes(16))
        const key = { key: Buffer.from(request.value.publicKey), format: "der" as const, type: "spki" as const, padding: Crypto.RSA_PKCS1_PADDING }
        const token = options.wrongToken ? new Uint8Array(randomBytes(request.value.verifyToken.length)) : request.value.verifyToken
        if (options.online !== undefined) {
          await postJoin(options.online.sessionServer, options.online.id, name, serverHash(request.value.serverId, secret, request.value.publicKey))
        }
        const response = encodeEncryptionResponse({
          encryptedSharedSecret: new Uint8Array(publicEncrypt(key, secret)),
          verification: { _tag: "VerifyToken", encryptedVerifyToken: new Uint8Array(publicEncrypt(key, token)) }
        }, protocol)
        socket.write(bytes(response))
        const encryptor = makeEncryptor(secret)
        const decryptor = makeDecryptor(secret)
        if (isProtocolError(encryptor) || isProtocolError(decryptor)) throw new Error("cipher")
        writer.setEncryption(encryptor)
        reader.setDecryption(decryptor)
        const raw = createCipheriv("aes-128-cfb8", secret, secret)
        encrypt = (b) => new Uint8Array(raw.update(b))
        return
      }
      if (id === ids.success) {
        const acknowledge = table.login.serverbound.ids.login_acknowledged
        if (acknowledge !== undefined) send(acknowledge, new Uint8Array(0))
        return settle({ _tag: "LoggedIn", session: { socket, writer, encrypt, closed } })
      }
    }
    let queue = Promise.resolve()
    socket.on("data", (chunk: Buffer) => {
      queue = queue.then(async () => {
        reader.push(chunk)
        for (let f = reader.next(); f._tag === "Frame"; f = reader.next()) {
          const id = f.packetId()
          const payload = f.payload()
          if (isProtocolError(id) || isProtocolError(payload)) throw new Error("bad frame from the proxy")
          const copy = payload.slice()
          reader.detach()
          await onPacket(id, copy)
          if (settled) return
        }
      }).catch(reject)
    })
    socket.write(bytes(encodeHandshake({ protocolVersion: protocol, serverAddress: host, serverPort: 25565, nextState: NextState.Login })))
    socket.write(bytes(encodeLoginStart({ name, uuid: offlineUuid(name) }, protocol)))
  })

/** `payload` as an uncompressed frame for `isEncodedBytes` callers. */
export const frame = (id: number, payload: Uint8Array): Uint8Array => {
  const f = encodeFrame(id, payload)
  if (!isEncodedBytes(f)) throw new Error("frame")
  return f
}
