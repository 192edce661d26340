/**
 * Helpers for the access-control tests: raw loopback exchanges from a chosen source address
 * (Linux routes all of 127.0.0.0/8 to lo, so each test "client" can have its own address),
 * hand-built handshakes, a player that stays connected, and bounded real-time waits.
 */
import { Effect } from "effect"
import mc from "minecraft-protocol"
import { createHash } from "node:crypto"
import { writeFileSync } from "node:fs"
import * as Net from "node:net"
import { join } from "node:path"
import { isEncodedBytes } from "../../src/protocol/ByteWriter.ts"
import { decodeLoginDisconnect } from "../../src/protocol/Disconnect.ts"
import { encodeHandshake, NextState } from "../../src/protocol/Handshake.ts"
import { encodeLoginStart } from "../../src/protocol/LoginStart.ts"

const bytesOf = (encoded: ReturnType<typeof encodeHandshake>): Uint8Array => {
  if (!isEncodedBytes(encoded)) throw new Error(encoded.message)
  return encoded
}

/** 1.20.4 */
export const PROTOCOL = 765

/** A login handshake and login start, as one write. */
export const loginBytes = (host: string, name: string): Uint8Array =>
  Buffer.concat([
    bytesOf(encodeHandshake({ protocolVersion: PROTOCOL, serverAddress: host, serverPort: 25565, nextState: NextState.Login })),
    bytesOf(encodeLoginStart({ name, uuid: offlineUuid(name) }, PROTOCOL))
  ])

/** A whole status exchange sent at once: handshake, status request, ping (payload 42). */
export const statusBytes = (host: string): Uint8Array =>
  Buffer.concat([
    bytesOf(encodeHandshake({ protocolVersion: PROTOCOL, serverAddress: host, serverPort: 25565, nextState: NextState.Status })),
    Uint8Array.of(1, 0),
    Uint8Array.of(9, 1, 0, 0, 0, 0, 0, 0, 0, 42)
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

/** The offline-mode UUID vanilla (and minecraft-protocol) derive from a name. */
export const offlineUuid = (name: string): string => {
  const h = createHash("md5").update(`OfflinePlayer:${name}`).digest()
  h[6] = (h[6]! & 0x0f) | 0x30
  h[8] = (h[8]! & 0x3f) | 0x80
  const hex = h.toString("hex")
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export interface Player {
  readonly client: mc.Client
  /** Resolves with the disconnect text if the player is kicked. */
  readonly kicked: Promise<string>
  readonly chatEchoed: (text: string, timeoutMs?: number) => Promise<boolean>
  readonly end: () => void
}

/** A player that joins and stays; fails if it is kicked or does not join within `timeoutMs`. */
export const joinAndStay = (
  version: string,
  port: number,
  host: string,
  username: string,
  options: { readonly localAddress?: string; readonly timeoutMs?: number } = {}
): Promise<Player> =>
  new Promise((resolve, reject) => {
    const client = mc.createClient({
      host: "127.0.0.1",
      port,
      username,
      version,
      auth: "offline",
      fakeHost: host,
      hideErrors: true,
      connect: (c: { setSocket: (s: Net.Socket) => void }) =>
        c.setSocket(Net.connect({ port, host: "127.0.0.1", localAddress: options.localAddress ?? "127.0.0.1" }))
    } as unknown as mc.ClientOptions)
    let kickedWith: (text: string) => void = () => {}
    const kicked = new Promise<string>((r) => (kickedWith = r))
    const timer = setTimeout(() => {
      client.end("timeout")
      reject(new Error(`${username} did not join within ${options.timeoutMs ?? 10_000} ms`))
    }, options.timeoutMs ?? 10_000)
    client.on("error", () => {})
    client.on("disconnect", (p: { reason: string }) => {
      clearTimeout(timer)
      kickedWith(p.reason)
      reject(new Error(`${username} was kicked: ${p.reason}`))
    })
    client.on("kick_disconnect", (p: { reason: unknown }) => kickedWith(JSON.stringify(p.reason)))
    let joined = false
    client.on("end", (reason: string) => {
      kickedWith(`ended: ${reason}`)
      if (!joined) {
        clearTimeout(timer)
        // A Disconnect packet rejects first; this only catches closes without one.
        setTimeout(() => reject(new Error(`${username} was kicked: ended: ${reason}`)), 50)
      }
    })
    client.on("login", () => {
      joined = true
      clearTimeout(timer)
      resolve({
        client,
        kicked,
        chatEchoed: (text, timeoutMs = 5000) =>
          new Promise((done) => {
            const t = setTimeout(() => done(false), timeoutMs)
            const onMessage = (packet: unknown) => {
              if (JSON.stringify(packet).includes(`echo:${text}`)) {
                clearTimeout(t)
                client.off("system_chat", onMessage)
                done(true)
              }
            }
            client.on("system_chat", onMessage)
            client.chat(text)
          }),
        end: () => client.end("done")
      })
    })
  })

/** The plain text of a Disconnect reason (JSON text component, or already plain). */
export const reasonText = (reason: string): string => {
  if (!reason.startsWith("{") && !reason.startsWith("\"")) return reason
  // JSON.parse reports bad JSON by throwing; the raw reason is then the answer.
  try {
    const parsed = JSON.parse(reason) as { text?: string } | string
    return typeof parsed === "string" ? parsed : parsed.text ?? reason
  } catch {
    return reason
  }
}

/** Logs in from `localAddress`: "joined", or the kick text (or "ended: ..." for a bare close). */
export const loginOutcome = (version: string, port: number, host: string, username: string, localAddress = "127.0.0.1") =>
  Effect.promise(() =>
    joinAndStay(version, port, host, username, { localAddress, timeoutMs: 8000 }).then(
      (p) => {
        p.end()
        return "joined"
      },
      (e: Error) => reasonText(e.message.replace(/^[^:]* was kicked: /, ""))
    )
  )

/** Real-time sleep (test code). */
export const sleep = (ms: number) => Effect.promise(() => new Promise<void>((r) => setTimeout(r, ms)))

/** Polls `check` every 25 ms until it holds; fails after `timeoutMs`. */
export const waitUntil = (check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000) =>
  Effect.promise(async () => {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (await check()) return true
      await new Promise((r) => setTimeout(r, 25))
    }
    return false
  }).pipe(Effect.flatMap((ok) => (ok ? Effect.void : Effect.die(new Error(`timed out waiting for: ${what}`)))))

/** Rewrites the harness's infrarust.toml with `extra` (the watcher applies it live). */
export const rewriteGlobal = (dir: string, extra: string) =>
  Effect.sync(() =>
    writeFileSync(
      join(dir, "infrarust.toml"),
      `bind = "127.0.0.1:0"\nservers_dir = ${JSON.stringify(join(dir, "servers"))}\n${extra}\n`
    )
  )
