/**
 * Real Minecraft servers for end-to-end tests: minecraft-protocol servers in offline mode, for
 * any version the library supports. They answer status pings, complete logins (with
 * compression from 1.8), send keep-alives every half second (unless turned off) and echo chat
 * back as a system message, so a test can prove that a session through the proxy carries
 * traffic both ways; they also count login and status handshakes and players online, for the
 * load-balancing tests. The players that go with them are in McClients.ts.
 *
 * Plugin-channel validation is off: minecraft-protocol compiles a JSON schema per login for it
 * (~40 ms of CPU), which would make storms of logins slow and timing-sensitive.
 */
import { Effect, type Scope } from "effect"
import mc from "minecraft-protocol"
import minecraftData from "minecraft-data"
import nbt from "prismarine-nbt"
import * as Net from "node:net"
import { joinGamePacket } from "./JoinGame.ts"

export interface McServer {
  readonly port: number
  /** `127.0.0.1:<port>`, as a server file lists it. */
  readonly address: string
  readonly version: string
  /** Chat messages received from players. */
  readonly chats: Array<string>
  /** Handshake hosts seen by the server (what the proxy forwarded), logins and pings alike. */
  readonly hosts: Array<string>
  readonly keepAlivesAnswered: () => number
  /** Login handshakes received (next state 2). */
  readonly logins: () => number
  /** Status handshakes received (next state 1): proxied pings and health checks. */
  readonly pings: () => number
  /** Players currently connected. */
  readonly online: () => number
  /** Names of the packets players sent once logged in (play and configuration states), in order. */
  readonly packets: () => ReadonlyArray<string>
  /** Closes the listener and ends every player's connection. */
  readonly close: () => Promise<void>
}

export interface McServerOptions {
  readonly motd?: string
  /** Listen address; 127.0.0.1 unless given. */
  readonly host?: string
  /** A fixed port, e.g. to restart a backend where it was; 0 (a free one) unless given. */
  readonly port?: number
  /** Send keep-alives every 500 ms and drop players who do not answer; true unless given. */
  readonly keepAlive?: boolean
  /** minecraft-protocol's `beforePing` hook: edits the status response before it is sent. */
  readonly beforePing?: (response: { version: { name: string; protocol: number } }, client: { protocolVersion: number }) => unknown
  /** Called for each player after the join game was sent. */
  readonly onJoin?: (client: mc.ServerClient) => void
  /** Called for each new connection, after minecraft-protocol's own handlers are attached. */
  readonly onConnection?: (client: mc.ServerClient) => void
  /** minecraft-protocol's `beforeLogin` hook: runs after the offline UUID is set, before Login Success. */
  readonly beforeLogin?: (client: mc.Client) => void
}

// minecraft-protocol's typings lag behind its packets; writes are checked by its own serializer.
type Writer = { write: (name: string, params: unknown) => void }
type Events = {
  on: (event: string, listener: (packet: unknown) => void) => void
  once: (event: string, listener: (packet: unknown) => void) => void
}

/** Re-exported: tests import it from here (its module stays light for ManagedMcServer.ts). */
export { joinGamePacket }

/** A system message in the packet layout of `version`. */
const sendSystemChat = (client: Writer, version: string, text: string) => {
  const protocol = minecraftData(version).version.version ?? 0
  const json = JSON.stringify({ text })
  if (protocol < 759) client.write("chat", { message: json, position: 1, sender: "00000000-0000-0000-0000-000000000000" })
  else if (protocol === 759) client.write("system_chat", { content: json, type: 1 })
  else if (protocol < 765) client.write("system_chat", { content: json, isActionBar: false })
  else client.write("system_chat", { content: nbt.comp({ text: nbt.string(text) }), isActionBar: false })
}

export const startMcServer = (version: string, options: McServerOptions = {}): Promise<McServer> =>
  new Promise((resolve, reject) => {
    const chats: Array<string> = []
    const hosts: Array<string> = []
    let keepAlives = 0
    let logins = 0
    let pings = 0
    let online = 0
    const packets: Array<string> = []
    const server = mc.createServer({
      "online-mode": false,
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      version,
      motd: options.motd ?? `backend ${version}`,
      keepAlive: options.keepAlive ?? true,
      checkTimeoutInterval: 500,
      hideErrors: true,
      validateChannelProtocol: false,
      ...(options.beforePing !== undefined ? { beforePing: options.beforePing } : {}),
      ...(options.beforeLogin !== undefined ? { beforeLogin: options.beforeLogin } : {})
    } as mc.ServerOptions)
    server.on("connection", (client) => {
      ;(client as unknown as Events).once("set_protocol", (p) => {
        const { serverHost, nextState } = p as { serverHost: string; nextState: number }
        hosts.push(serverHost)
        if (nextState === 2) logins++
        if (nextState === 1) pings++
      })
      options.onConnection?.(client)
    })
    server.on("playerJoin", (client) => {
      online++
      ;(client as unknown as { on: (e: string, l: (data: unknown, meta: { name: string; state: string }) => void) => void }).on("packet", (_, meta) => {
        if (meta.state === "play" || meta.state === "configuration") packets.push(meta.name)
      })
      const events = client as unknown as Events
      events.once("end", () => online--)
      ;(client as unknown as Writer).write("login", joinGamePacket(version, client))
      events.on("keep_alive", () => keepAlives++)
      const onChat = (packet: unknown) => {
        const message = (packet as { message: string }).message
        chats.push(message)
        sendSystemChat(client as unknown as Writer, version, `echo:${message}`)
      }
      events.on("chat", onChat)
      events.on("chat_message", onChat)
      options.onJoin?.(client)
    })
    server.on("error", reject)
    const socketServer = (server as unknown as { socketServer: Net.Server }).socketServer
    server.on("listening", () => {
      const port = (socketServer.address() as Net.AddressInfo).port
      resolve({
        port,
        address: `127.0.0.1:${port}`,
        version,
        chats,
        hosts,
        keepAlivesAnswered: () => keepAlives,
        logins: () => logins,
        pings: () => pings,
        online: () => online,
        packets: () => packets,
        close: () =>
          new Promise((done) => {
            server.close() // ends every client too
            socketServer.once("close", () => done())
            setTimeout(done, 1000)
          })
      })
    })
  })

/** {@link startMcServer}, closed with the scope. */
export const mcServer = (version: string, options: McServerOptions = {}): Effect.Effect<McServer, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.promise(() => startMcServer(version, options)), (s) => Effect.promise(() => s.close()))
