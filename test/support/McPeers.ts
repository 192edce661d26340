/**
 * Real Minecraft peers for end-to-end tests: minecraft-protocol servers and clients in
 * offline mode, for any version the library supports. The server answers status pings,
 * completes logins (with compression from 1.8), sends keep-alives every half second and
 * echoes chat back as a system message, so a test can prove that a session through the
 * proxy carries traffic both ways.
 */
import mc from "minecraft-protocol"
import minecraftData from "minecraft-data"
import nbt from "prismarine-nbt"
import * as Net from "node:net"

export interface McServer {
  readonly port: number
  readonly version: string
  /** Chat messages received from players. */
  readonly chats: Array<string>
  /** Handshake hosts seen by the server (what the proxy forwarded). */
  readonly hosts: Array<string>
  readonly keepAlivesAnswered: () => number
  readonly close: () => Promise<void>
}

const joinGamePacket = (version: string, client: { id: number }) => {
  const data = minecraftData(version)
  if (data.loginPacket) return data.loginPacket
  // Before 1.16 minecraft-data has no ready-made packet; these are the fields 1.7-1.15 read.
  return {
    entityId: client.id,
    gameMode: 1,
    dimension: 0,
    difficulty: 2,
    maxPlayers: 20,
    levelType: "default",
    reducedDebugInfo: false,
    viewDistance: 10,
    hashedSeed: [0, 0],
    enableRespawnScreen: true
  }
}

/** A system message in the packet layout of `version`. */
// minecraft-protocol's typings lag behind its packets; writes are checked by its own serializer.
type Writer = { write: (name: string, params: unknown) => void }
type Events = {
  on: (event: string, listener: (packet: unknown) => void) => void
  once: (event: string, listener: (packet: unknown) => void) => void
}

const sendSystemChat = (client: Writer, version: string, text: string) => {
  const protocol = minecraftData(version).version.version ?? 0
  const json = JSON.stringify({ text })
  if (protocol < 759) client.write("chat", { message: json, position: 1, sender: "00000000-0000-0000-0000-000000000000" })
  else if (protocol === 759) client.write("system_chat", { content: json, type: 1 })
  else if (protocol < 765) client.write("system_chat", { content: json, isActionBar: false })
  else client.write("system_chat", { content: nbt.comp({ text: nbt.string(text) }), isActionBar: false })
}

export const startMcServer = (
  version: string,
  options: { readonly motd?: string; readonly host?: string } = {}
): Promise<McServer> =>
  new Promise((resolve, reject) => {
    const chats: Array<string> = []
    const hosts: Array<string> = []
    let keepAlives = 0
    const server = mc.createServer({
      "online-mode": false,
      host: options.host ?? "127.0.0.1",
      port: 0,
      version,
      motd: options.motd ?? `backend ${version}`,
      checkTimeoutInterval: 500,
      hideErrors: true
    })
    server.on("connection", (client) => {
      ;(client as unknown as Events).once("set_protocol", (p) => hosts.push((p as { serverHost: string }).serverHost))
    })
    server.on("playerJoin", (client) => {
      ;(client as unknown as Writer).write("login", joinGamePacket(version, client))
      const events = client as unknown as Events
      events.on("keep_alive", () => keepAlives++)
      const onChat = (packet: unknown) => {
        const message = (packet as { message: string }).message
        chats.push(message)
        sendSystemChat(client as unknown as Writer, version, `echo:${message}`)
      }
      events.on("chat", onChat)
      events.on("chat_message", onChat)
    })
    server.on("error", reject)
    const socketServer = (server as unknown as { socketServer: Net.Server }).socketServer
    server.on("listening", () => {
      const port = (socketServer.address() as Net.AddressInfo).port
      resolve({
        port,
        version,
        chats,
        hosts,
        keepAlivesAnswered: () => keepAlives,
        close: () => new Promise((done) => {
          server.close()
          socketServer.once("close", () => done())
          setTimeout(done, 1000)
        })
      })
    })
  })

export interface LoginResult {
  readonly keepAlivesReceived: number
  readonly echoed: boolean
}

/**
 * Logs in through `port` with `host` as the handshake address, waits for the join game,
 * for two keep-alives, sends a chat line and waits for its echo; then disconnects.
 */
export const loginAndChat = (
  version: string,
  port: number,
  host: string,
  username: string,
  options: { readonly tagHost?: string; readonly timeoutMs?: number; readonly localAddress?: string } = {}
): Promise<LoginResult> =>
  new Promise((resolve, reject) => {
    const client = mc.createClient({
      host: "127.0.0.1",
      port,
      username,
      version,
      auth: "offline",
      fakeHost: host,
      hideErrors: true,
      // A chosen source address (e.g. 127.0.0.2) lets PROXY protocol tests tell the player
      // from the load balancer, both being on loopback.
      ...(options.localAddress !== undefined
        ? {
          connect: (c: { setSocket: (s: Net.Socket) => void }) =>
            c.setSocket(Net.connect({ port, host: "127.0.0.1", localAddress: options.localAddress! }))
        }
        : {})
    } as mc.ClientOptions)
    if (options.tagHost !== undefined) (client as unknown as { tagHost: string }).tagHost = options.tagHost
    let keepAlives = 0
    let joined = false
    const timer = setTimeout(() => {
      client.end("timeout")
      reject(new Error(`${version}: no complete session within ${options.timeoutMs ?? 10_000} ms (joined=${joined}, keepAlives=${keepAlives})`))
    }, options.timeoutMs ?? 10_000)
    const finish = (result: LoginResult) => {
      clearTimeout(timer)
      client.end("done")
      resolve(result)
    }
    client.on("error", (err) => {
      clearTimeout(timer)
      reject(err)
    })
    client.on("end", (reason: string) => {
      if (!joined) {
        clearTimeout(timer)
        reject(new Error(`${version}: disconnected before joining: ${reason}`))
      }
    })
    client.on("keep_alive", () => {
      keepAlives++
      if (keepAlives === 2) client.chat("hello-from-client")
    })
    const onMessage = (packet: unknown) => {
      if (JSON.stringify(packet).includes("echo:hello-from-client")) finish({ keepAlivesReceived: keepAlives, echoed: true })
    }
    client.on("chat", onMessage)
    client.on("system_chat", onMessage)
    client.on("login", () => {
      joined = true
    })
  })

/** Waits for the client's disconnect reason (a login kick), or fails after `timeoutMs`. */
export const loginExpectingKick = (version: string, port: number, host: string, username = "kicked", timeoutMs = 8000): Promise<string> =>
  new Promise((resolve, reject) => {
    const client = mc.createClient({ host: "127.0.0.1", port, username, version, auth: "offline", fakeHost: host, hideErrors: true })
    const timer = setTimeout(() => {
      client.end("timeout")
      reject(new Error("no kick"))
    }, timeoutMs)
    client.on("login", () => {
      clearTimeout(timer)
      client.end("unexpected")
      reject(new Error("joined instead of being kicked"))
    })
    client.on("disconnect", (packet: { reason: string }) => {
      clearTimeout(timer)
      resolve(packet.reason)
    })
    client.on("error", () => {})
  })

/** A modern status ping to 127.0.0.1:`port` with `host` in the handshake; the parsed response. */
export const ping = (version: string, port: number, host: string): Promise<Record<string, unknown>> =>
  mc.ping({
    host,
    port,
    version,
    closeTimeout: 8000,
    connect: (client: { setSocket: (s: Net.Socket) => void; emit: (e: string) => void }) => {
      client.setSocket(Net.connect(port, "127.0.0.1"))
    }
  } as unknown as mc.PingOptions).then((r) => r as unknown as Record<string, unknown>)
