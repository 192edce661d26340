/**
 * Peers for the load-balancing tests: minecraft-protocol backends that count the logins and
 * status pings they receive, players (the minecraft-protocol client, or a raw login for
 * storms), free ports, and HAProxy as a PROXY-protocol receiver in front of a backend.
 */
import mc from "minecraft-protocol"
import minecraftData from "minecraft-data"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import * as Net from "node:net"
import { tmpdir } from "node:os"
import * as NodePath from "node:path"
import { isEncodedBytes } from "../../../src/protocol/ByteWriter.ts"
import { encodeHandshake, NextState } from "../../../src/protocol/Handshake.ts"
import { encodeLoginStart } from "../../../src/protocol/LoginStart.ts"
import { encodeProxyHeaderV2Local } from "../../../src/proxy-protocol/ProxyHeader.ts"

export interface CountingBackend {
  readonly port: number
  readonly address: string
  /** Login handshakes received (next state 2). */
  readonly logins: () => number
  /** Status handshakes received (next state 1): proxied pings and health checks. */
  readonly pings: () => number
  /** Players currently connected. */
  readonly online: () => number
  readonly close: () => Promise<void>
}

type Events = { once: (event: string, listener: (packet: unknown) => void) => void }
type Writer = { write: (name: string, params: unknown) => void }

const joinGame = (version: string, client: { id: number }) =>
  minecraftData(version).loginPacket ?? {
    entityId: client.id,
    gameMode: 1,
    dimension: 0,
    difficulty: 2,
    maxPlayers: 20,
    levelType: "default",
    reducedDebugInfo: false
  }

/** A backend on 127.0.0.1; `port` 0 picks a free one (a fixed port lets a test restart it). */
export const startCountingBackend = (version: string, options: { readonly port?: number; readonly motd?: string } = {}) =>
  new Promise<CountingBackend>((resolve, reject) => {
    let logins = 0
    let pings = 0
    let online = 0
    const server = mc.createServer({
      "online-mode": false,
      host: "127.0.0.1",
      port: options.port ?? 0,
      version,
      motd: options.motd ?? "lb backend",
      keepAlive: false,
      hideErrors: true,
      // Without this every login compiles an ajv schema (~40 ms of CPU): 300 logins would take 12 s.
      validateChannelProtocol: false
    } as mc.ServerOptions)
    server.on("connection", (client) => {
      ;(client as unknown as Events).once("set_protocol", (p) => {
        const next = (p as { nextState: number }).nextState
        if (next === 2) logins++
        if (next === 1) pings++
      })
    })
    server.on("playerJoin", (client) => {
      online++
      ;(client as unknown as Events).once("end", () => online--)
      ;(client as unknown as Writer).write("login", joinGame(version, client))
    })
    server.on("error", reject)
    const socketServer = (server as unknown as { socketServer: Net.Server }).socketServer
    server.on("listening", () => {
      const port = (socketServer.address() as Net.AddressInfo).port
      resolve({
        port,
        address: `127.0.0.1:${port}`,
        logins: () => logins,
        pings: () => pings,
        online: () => online,
        close: () =>
          new Promise((done) => {
            for (const client of Object.values(server.clients)) client.end("closing")
            server.close()
            socketServer.once("close", () => done())
            setTimeout(done, 1000)
          })
      })
    })
  })

export interface Player {
  /** Leaves the server. */
  readonly leave: () => void
  /** Resolves when the connection has closed (the player left or was dropped). */
  readonly closed: Promise<void>
}

/** Logs in through the proxy on `port` and resolves once the join game arrives. */
export const join = (version: string, port: number, host: string, username: string, timeoutMs = 8000) =>
  new Promise<Player>((resolve, reject) => {
    const client = mc.createClient({
      host: "127.0.0.1",
      port,
      username,
      version,
      auth: "offline",
      fakeHost: host,
      hideErrors: true,
      validateChannelProtocol: false
    } as mc.ClientOptions)
    const closed = new Promise<void>((done) => client.on("end", () => done()))
    const timer = setTimeout(() => {
      client.end("timeout")
      reject(new Error(`${username}: no join within ${timeoutMs} ms`))
    }, timeoutMs)
    client.on("error", (err) => {
      clearTimeout(timer)
      reject(err)
    })
    client.on("disconnect", (packet: { reason: string }) => {
      clearTimeout(timer)
      reject(new Error(`${username} was kicked: ${packet.reason}`))
    })
    client.on("login", () => {
      clearTimeout(timer)
      resolve({ leave: () => client.end("bye"), closed })
    })
  })

/** A port with nothing listening: bind, read the port, close. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = Net.createServer()
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as Net.AddressInfo).port
      s.close(() => resolve(port))
    })
  })

/**
 * A login without a Minecraft client library: handshake and login start through the proxy,
 * then waits for the backend's first reply (compression or login success). `hold` keeps the
 * connection open (the backend counts a player) until `leave`; otherwise it closes at once.
 */
let uuidCounter = 1

export const rawLogin = (
  protocol: number,
  port: number,
  host: string,
  name: string,
  timeoutMs = 5000
): Promise<Player> =>
  new Promise((resolve, reject) => {
    const handshake = encodeHandshake({ protocolVersion: protocol, serverAddress: host, serverPort: port, nextState: NextState.Login })
    // From 1.20.2 (764) the login start carries the player's UUID (offline: any is accepted).
    const uuid = "00000000-0000-3000-8000-" + (0x1000000000000 + (uuidCounter++ % 0x1000000000000)).toString(16).slice(1)
    const loginStart = encodeLoginStart(protocol >= 764 ? { name, uuid } : { name }, protocol)
    if (!isEncodedBytes(handshake) || !isEncodedBytes(loginStart)) return reject(new Error("cannot encode"))
    const socket = Net.connect({ host: "127.0.0.1", port, noDelay: true })
    const closed = new Promise<void>((done) => socket.once("close", () => done()))
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`${name}: no reply within ${timeoutMs} ms`))
    }, timeoutMs)
    socket.on("error", () => {})
    socket.once("connect", () => socket.write(Buffer.concat([handshake, loginStart])))
    socket.once("data", () => {
      clearTimeout(timer)
      resolve({ leave: () => socket.destroy(), closed })
    })
    socket.once("close", () => {
      clearTimeout(timer)
      reject(new Error(`${name}: closed before any reply`))
    })
  })

/** `count` raw logins that leave at once, `parallel` at a time. */
export const rawLoginStorm = async (protocol: number, port: number, host: string, count: number, parallel: number) => {
  let next = 0
  const worker = async () => {
    while (next < count) {
      const player = await rawLogin(protocol, port, host, `p${next++}`)
      player.leave()
      await player.closed
    }
  }
  await Promise.all(Array.from({ length: parallel }, worker))
}

/** A free port below 32768 (outside Linux's ephemeral range), for daemons that need a number. */
export const freeLowPort = async (): Promise<number> => {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000)
    const free = await new Promise<boolean>((resolve) => {
      const s = Net.createServer()
      s.once("error", () => resolve(false))
      s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)))
    })
    if (free) return port
  }
  throw new Error("no free port below 32768")
}

export interface Haproxy {
  /** Everything HAProxy logged so far. */
  readonly output: () => string
  readonly stop: () => Promise<void>
}

/**
 * HAProxy in the foreground (`-db`) with `config`. Readiness is probed with a PROXY v2 LOCAL
 * header and a polite close, so an `accept-proxy` frontend logs no error for the probe itself.
 */
export const startHaproxy = async (config: string, port: number): Promise<Haproxy> => {
  const dir = mkdtempSync(NodePath.join(tmpdir(), "infrarust-ts-lb-haproxy-"))
  writeFileSync(NodePath.join(dir, "haproxy.cfg"), config)
  let output = ""
  const child = spawn("haproxy", ["-db", "-f", NodePath.join(dir, "haproxy.cfg")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
  child.stdout.on("data", (c: Buffer) => (output += c.toString()))
  child.stderr.on("data", (c: Buffer) => (output += c.toString()))
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        rmSync(dir, { recursive: true, force: true })
        resolve()
      }
      if (child.exitCode !== null) return done()
      child.once("exit", done)
      child.kill("SIGTERM")
      setTimeout(() => child.kill("SIGKILL"), 2000)
    })
  const local = encodeProxyHeaderV2Local()
  for (let attempt = 0; attempt < 100; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = Net.connect(port, "127.0.0.1", () => {
        socket.end(local)
        resolve(true)
      })
      socket.on("error", () => resolve(false))
    })
    if (up) return { output: () => output, stop }
    if (child.exitCode !== null) break
    await new Promise((r) => setTimeout(r, 50))
  }
  await stop()
  throw new Error(`haproxy did not start:\n${output}`)
}
