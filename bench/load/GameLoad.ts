/**
 * The load driver's measurements over game sessions (GameClient.ts), for the intercepted
 * subjects: the same bulk, round-trip and idle-session shapes as the raw ones in driver.ts, in
 * packets instead of bytes.
 *
 * - Bulk down: the backend sends the corpus (`@src:<n>`) once asked by a first packet; the
 *   driver counts the uncompressed bytes of the packets it receives (PacketCounter, from the
 *   frame headers) until <n>.
 * - Bulk up: the driver sends the corpus (`@sink:<n>`), encrypted when the link is, and waits
 *   for the backend's one small packet saying it counted <n> packet bytes.
 * - Round trips: a 1 KiB packet (compressed at 256, as a client would send it) echoed by the
 *   backend (`@echo`).
 * - Idle sessions and logins: a 16-byte packet echoed once.
 * Bulk connections log in first (`gameOpen`), then move bytes (`gameTransfer`), so the caller can
 * time and measure the transfer alone: a login costs milliseconds of proxy CPU, which would
 * otherwise weigh on the CPU per GiB of the short 64-connection tests (CPU per login is
 * measured on its own).
 * Results count uncompressed packet bytes: "per GiB relayed" for these subjects means per GiB
 * of game packets, whatever their compressed size on the wire.
 */
import { deflateSync } from "node:zlib"
import { semiCompressible } from "../../test/support/GameBytes.ts"
import { type Corpus, loadCorpus, transfer } from "../lib/corpus.ts"
import { IDS, PacketCounter, packetFrame, varIntBytes } from "../lib/wire.ts"
import { gameLogin, type GameSession } from "./GameClient.ts"

/** What a driver command says about game sessions: present = the subject speaks packets. */
export interface GameOptions {
  /** The session server the joins go to (client_only). */
  readonly sessionServer?: string
  /** The corpus file (bench/lib/corpus.ts), for uploads. */
  readonly corpus?: string
}

/** The backend's `@sink` acknowledgement: one 4-byte frame. */
const SINK_ACK_BYTES = 4
const THRESHOLD = 256

let corpus: { path: string; value: Corpus } | undefined
const corpusAt = (path: string | undefined): Corpus => {
  if (path === undefined) throw new Error("a game upload needs the corpus file")
  if (corpus?.path !== path) corpus = { path, value: loadCorpus(path) }
  return corpus.value
}

/** A packet frame of exactly `size` wire bytes (≤ 128), sent uncompressed. */
export const probeFrame = (size: number): Buffer => packetFrame(IDS.play, Buffer.alloc(size - 3, 0x41), THRESHOLD)

/** A `size`-byte packet of chunk-like data, compressed as a client sends one at threshold 256. */
export const compressedPacket = (size: number): Buffer => {
  const body = Buffer.concat([varIntBytes(IDS.play), semiCompressible(size - 1, 7)])
  const data = Buffer.concat([varIntBytes(body.length), deflateSync(body, { level: 4 })])
  return Buffer.concat([varIntBytes(data.length), data])
}

/** Resolves once `count` play bytes have arrived; rejects when the session closes first. */
const expectBytes = (s: GameSession, count: number, onBytes?: (b: Buffer) => void): Promise<void> =>
  new Promise((resolve, reject) => {
    let got = 0
    s.socket.once("close", () => reject(new Error(`closed after ${got} of ${count} bytes`)))
    s.play((b) => {
      onBytes?.(b)
      got += b.length
      if (got >= count) resolve()
    })
  })

/** Writes the slices with backpressure. */
const pump = (s: GameSession, slices: ReadonlyArray<Buffer>): void => {
  let i = 0
  const next = () => {
    while (i < slices.length) if (!s.write(slices[i++]!)) return void s.socket.once("drain", next)
  }
  next()
}

export interface GameBulk {
  readonly port: number
  readonly hello: string
  readonly bytes: number
  readonly dir: "down" | "up"
  readonly game: GameOptions
}

/** One bulk connection, logged in and waiting in play. */
export const gameOpen = (c: GameBulk, readBuffer: Buffer): Promise<GameSession> =>
  gameLogin({ port: c.port, hello: Buffer.from(c.hello, "hex"), sessionServer: c.game.sessionServer, readBuffer })

/** Moves the connection's bytes; resolves with the packet bytes moved, then closes it. */
export const gameTransfer = async (s: GameSession, c: GameBulk): Promise<number> => {
  try {
    if (c.dir === "up") {
      const t = transfer(corpusAt(c.game.corpus), c.bytes)
      const acked = expectBytes(s, SINK_ACK_BYTES)
      pump(s, t.slices)
      await acked
      return t.packetBytes
    }
    const counter = new PacketCounter()
    await new Promise<void>((resolve, reject) => {
      s.socket.once("close", () => reject(new Error(`closed after ${counter.bytes} of ${c.bytes} packet bytes`)))
      s.play((b) => {
        counter.push(b)
        if (counter.bytes >= c.bytes) resolve()
      })
      s.write(probeFrame(4)) // go
    })
    return counter.bytes
  } finally {
    s.socket.destroy()
  }
}

/**
 * A game `@echo` session whose `run(n, into)` times `n` round trips of one `size`-byte packet
 * (µs into `into`), as driver.ts's raw echo sessions do.
 */
export const gameRttSession = async (port: number, hello: Buffer, size: number, sessionServer: string | undefined, readBuffer: Buffer) => {
  const s = await gameLogin({ port, hello, sessionServer, readBuffer })
  const message = compressedPacket(size)
  let got = 0
  let arrived: (() => void) | undefined
  s.play((b) => {
    got += b.length
    if (got >= message.length) {
      got -= message.length
      arrived?.()
    }
  })
  const once = () =>
    new Promise<void>((resolve) => {
      arrived = resolve
      s.write(message)
    })
  return {
    socket: s.socket,
    run: async (n: number, into?: Array<number>) => {
      for (let i = 0; i < n; i++) {
        const t0 = performance.now()
        await once()
        into?.push((performance.now() - t0) * 1000)
      }
    }
  }
}

/** Opens a game `@echo` session confirmed by one echoed 16-byte packet; keeps it open. */
export const gameIdleOne = async (port: number, hello: Buffer, sessionServer: string | undefined, readBuffer: Buffer) => {
  const s = await gameLogin({ port, hello, sessionServer, readBuffer })
  const echoed = expectBytes(s, 16)
  s.write(probeFrame(16))
  await echoed
  s.socket.removeAllListeners("close")
  s.socket.on("error", () => {})
  return s.socket
}
