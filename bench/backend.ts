/**
 * The bench's fake Minecraft backend: handshake-aware, so infrarust-ts can route to it, and
 * simple, so every subject (direct, raw pipe, HAProxy, nginx, infrarust-ts) carries exactly
 * the same bytes.
 *
 *   node bench/backend.ts '{"port":26123,"statusResponse":"<hex frame>"}'
 *
 * Per connection it reads the handshake, then:
 * - status (next state 1): answers the status request with the given Status Response frame
 *   and the ping with its pong, then closes (as a vanilla server does);
 * - login (next state 2): reads Login Start and takes its behaviour from the player name:
 *   - `echo`      echoes everything (RTT, idle sessions);
 *   - `bye:<n>`   echoes the first <n> bytes, then closes (logins per second);
 *   - `sink:<n>`  swallows <n> bytes, then sends one byte `K` (upload throughput);
 *   - `src:<n>`   sends <n> bytes (download throughput).
 * The backend sends nothing else (no Login Success): the bytes after Login Start are the
 * measured traffic.
 *
 * A name starting with `@` (`@echo`, `@bye:<n>`, `@sink:<n>`, `@src:<n>`) asks for a game
 * session, which the intercepted modes need (they log in to the backend themselves and then
 * relay packets, not bytes): Set Compression 256 and Login Success, then Login Acknowledged
 * awaited, Finish Configuration sent and its acknowledgement awaited, as a 1.21.4 server ends
 * its configuration; then in play the same four behaviours on packets:
 *   - `@echo`, `@bye:<n>`  echo bytes as above (the echoed frames are valid on this leg);
 *   - `@sink:<n>`          counts the uncompressed bytes of the packets received (from their
 *                          frame headers) up to <n>, then sends one small packet;
 *   - `@src:<n>`           once the client sends its first packet (so the load driver can log
 *                          all its connections in before any of them streams), sends the corpus
 *                          (bench/lib/corpus.ts: the packet mix of bench/packet/Floor.ts,
 *                          compressed at 256) until <n> packet bytes.
 *
 * The load side must stay cheap, so reads go through Node's `onread` into one reused buffer
 * (no 64 KiB allocation per read, which would make an upload sink cost as much as the proxy
 * it measures). Node offers `onread` only for sockets it creates, so each accepted socket's
 * handle is adopted by a new `net.Socket` — the Node-internal `_handle`, acceptable in a
 * bench program; when it is missing the backend falls back to `'data'` events.
 *
 * Plain Node, no Effect. stdin commands (one per line): `stats` prints the counters as JSON.
 */
import * as Net from "node:net"
import { createInterface } from "node:readline"
import { type Corpus, loadCorpus, transfer } from "./lib/corpus.ts"
import { IDS, PacketCounter, packetFrame, readWireFrame, stringBytes, varIntBytes } from "./lib/wire.ts"

const config = JSON.parse(process.argv[2] ?? "{}") as { port: number; statusResponse: string; corpus?: string }
const statusResponse = Buffer.from(config.statusResponse, "hex")
const corpus: Corpus | undefined = config.corpus === undefined ? undefined : loadCorpus(config.corpus)
/** The compression threshold of game sessions (vanilla's default). */
const THRESHOLD = 256
/** What `@sink` sends once it has counted its bytes: one 4-byte frame. */
const SINK_ACK = packetFrame(IDS.play, Buffer.of(0x4b), THRESHOLD)
const BLOCK = Buffer.alloc(1024 * 1024, 0x5a)
const readBuffer = Buffer.allocUnsafe(64 * 1024)
const EMPTY: Buffer = Buffer.alloc(0)

const counters = { connections: 0, statusRequests: 0, pings: 0, logins: 0, byMode: {} as Record<string, number>, errors: 0, adopted: 0 }

/** VarInt at `off`: [value, next offset], or undefined when the bytes end first. */
const varInt = (b: Buffer, off: number): [number, number] | undefined => {
  let value = 0
  for (let i = 0; i < 5; i++) {
    if (off + i >= b.length) return undefined
    const byte = b[off + i]!
    value |= (byte & 0x7f) << (7 * i)
    if ((byte & 0x80) === 0) return [value, off + i + 1]
  }
  throw new Error("VarInt too long")
}

/** One whole frame at the start of `b`: [packet id, payload start, frame end], or undefined. */
const frame = (b: Buffer): [number, number, number] | undefined => {
  const len = varInt(b, 0)
  if (len === undefined || len[1] + len[0] > b.length) return undefined
  const id = varInt(b, len[1])!
  return [id[0], id[1], len[1] + len[0]]
}

/** Receives bytes that are only valid during the call (`onread`): copy what you keep. */
type OnBytes = (bytes: Buffer) => void

/** The per-connection protocol: handshake, then status or login, then the mode. */
const serve = (s: Net.Socket): OnBytes => {
  let buf: Buffer = EMPTY
  let state: "handshake" | "status" | "ping" | "login" | "game" | "mode" = "handshake"
  let mode: OnBytes = () => {}
  let game: OnBytes = () => {}

  /** A game session's login and configuration, then `startMode` in play. */
  const startGame = (name: string, uuid: Buffer, rest: Buffer) => {
    state = "game"
    s.write(packetFrame(IDS.login.clientbound.setCompression, varIntBytes(THRESHOLD), -1))
    s.write(packetFrame(IDS.login.clientbound.success, Buffer.concat([uuid, stringBytes(name), varIntBytes(0)]), THRESHOLD))
    let step: "login" | "configuration" = "login"
    let pending: Buffer = EMPTY
    game = (bytes) => {
      pending = pending.length === 0 ? Buffer.from(bytes) : Buffer.concat([pending, bytes])
      for (;;) {
        const f = readWireFrame(pending, 0, THRESHOLD)
        if (f === undefined) return
        pending = pending.subarray(f.end)
        if (step === "login" && f.id === IDS.login.serverbound.acknowledged) {
          step = "configuration"
          s.write(packetFrame(IDS.configuration.clientbound.finish, EMPTY, THRESHOLD))
        } else if (step === "configuration" && f.id === IDS.configuration.serverbound.finishAcknowledged) {
          return startMode(name.slice(1), pending, true)
        }
      }
    }
    game(rest)
  }

  const startMode = (name: string, rest: Buffer, game = false) => {
    const [kind, arg] = name.split(":")
    const n = Number(arg)
    counters.logins++
    counters.byMode[kind!] = (counters.byMode[kind!] ?? 0) + 1
    state = "mode"
    switch (kind) {
      case "echo":
      case "bye": {
        const limit = kind === "bye" ? n : Infinity
        let echoed = 0
        mode = (c) => {
          if (c.length === 0 || echoed >= limit) return
          const part = echoed + c.length > limit ? c.subarray(0, limit - echoed) : c
          echoed += part.length
          s.write(Buffer.from(part)) // a copy: `c` is the shared read buffer
          if (echoed >= limit) s.end()
        }
        break
      }
      case "sink": {
        if (game) {
          const counter = new PacketCounter()
          mode = (c) => {
            const before = counter.bytes
            counter.push(c)
            if (before < n && counter.bytes >= n) s.write(SINK_ACK)
          }
          break
        }
        let got = 0
        mode = (c) => {
          const before = got
          got += c.length
          if (before < n && got >= n) s.write("K")
        }
        break
      }
      case "src": {
        if (game) {
          if (corpus === undefined) return void (counters.errors++, s.destroy())
          const slices = transfer(corpus, n).slices
          let i = 0
          const pumpGame = () => {
            while (i < slices.length) if (!s.write(slices[i++]!)) return void s.once("drain", pumpGame)
          }
          let started = false
          mode = (c) => {
            if (started || c.length === 0) return
            started = true
            pumpGame()
          }
          break
        }
        let sent = 0
        const pump = () => {
          while (sent < n) {
            const chunk = n - sent >= BLOCK.length ? BLOCK : BLOCK.subarray(0, n - sent)
            sent += chunk.length
            if (!s.write(chunk)) return void s.once("drain", pump)
          }
        }
        pump()
        break
      }
      default:
        counters.errors++
        s.destroy()
    }
    mode(rest)
  }

  return (bytes) => {
    if (state === "mode") return mode(bytes)
    if (state === "game") return game(bytes)
    buf = buf.length === 0 ? Buffer.from(bytes) : Buffer.concat([buf, bytes])
    for (;;) {
      const f = frame(buf)
      if (f === undefined) return
      const [id, payload, end] = f
      const body = buf.subarray(payload, end)
      buf = buf.subarray(end)
      if (state === "handshake") {
        // protocol VarInt, address String, port u16, next state VarInt
        const proto = varInt(body, 0)!
        const addrLen = varInt(body, proto[1])!
        const next = varInt(body, addrLen[1] + addrLen[0] + 2)!
        state = next[0] === 1 ? "status" : "login"
        continue
      }
      if (state === "status") {
        if (id === 0x00) {
          counters.statusRequests++
          s.write(statusResponse)
          state = "ping"
          continue
        }
        state = "ping" // a ping without a status request first
      }
      if (state === "ping") {
        counters.pings++
        s.end(Buffer.concat([Buffer.from([9, 1]), body.subarray(0, 8)]))
        state = "mode"
        return
      }
      // Login Start: name String first (then, in 1.21.4, the UUID)
      const nameLen = varInt(body, 0)!
      const name = body.toString("utf8", nameLen[1], nameLen[1] + nameLen[0])
      if (name.startsWith("@")) return startGame(name, Buffer.from(body.subarray(nameLen[1] + nameLen[0], nameLen[1] + nameLen[0] + 16)), buf)
      return startMode(name, buf)
    }
  }
}

const server = Net.createServer({ noDelay: true, pauseOnConnect: true }, (accepted) => {
  counters.connections++
  const handle = (accepted as unknown as { _handle?: unknown })._handle
  let onBytes: OnBytes = () => {}
  let socket: Net.Socket
  if (handle !== undefined && handle !== null) {
    ;(accepted as unknown as { _handle: unknown })._handle = null
    socket = new Net.Socket({
      handle,
      readable: true,
      writable: true,
      onread: { buffer: readBuffer, callback: (n: number, b: Uint8Array) => (onBytes((b as Buffer).subarray(0, n)), true) }
    } as unknown as Net.SocketConstructorOpts)
    socket.setNoDelay(true)
    counters.adopted++
  } else {
    socket = accepted
    socket.on("data", (c: Buffer) => onBytes(c))
  }
  socket.on("error", () => counters.errors++)
  onBytes = serve(socket)
  socket.resume()
})
server.on("error", (e) => {
  process.stderr.write(`backend: ${e.message}\n`)
  process.exit(1)
})
// No maxConnections: adopted sockets never decrement the server's connection count.
server.listen({ port: config.port, host: "127.0.0.1", backlog: 4096 }, () => process.stdout.write(`ready ${config.port}\n`))

createInterface({ input: process.stdin }).on("line", (line) => {
  if (line.trim() === "stats") process.stdout.write(JSON.stringify(counters) + "\n")
})
process.stdin.on("end", () => process.exit(0))
