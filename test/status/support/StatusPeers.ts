/**
 * Test-only status peers on loopback:
 * - a status backend that answers handshake + status request with JSON of the test's choosing
 *   (extra fields, any version) and counts the status requests it served;
 * - a raw status pinger (RawClient's handshake + request + ping in one write) and a bounded
 *   flood of them;
 * - a raw legacy pinger (any 0xFE variant) that returns the 0xFF reply text.
 */
import { Effect, type Scope } from "effect"
import * as Net from "node:net"
import { decodeHandshake, type Handshake } from "../../../src/protocol/Handshake.ts"
import { decodeLegacyKick } from "../../../src/protocol/LegacyKick.ts"
import { encodeLegacyPing, type LegacyPingRequest } from "../../../src/protocol/LegacyPing.ts"
import { decodeStatusClientbound, decodeStatusServerbound, encodePongResponse, encodeStatusResponse } from "../../../src/protocol/Status.ts"
import { listenLow } from "../../support/Ports.ts"
import { bytesOf, statusBytes } from "../../support/RawClient.ts"

export interface StatusBackend {
  readonly port: number
  /** Status requests answered (what the proxy cost the backend). */
  readonly served: () => number
  readonly handshakes: Array<Handshake>
  readonly close: () => Promise<void>
}

export const startStatusBackend = (json: (handshake: Handshake) => unknown, options: { delayMs?: number } = {}): Promise<StatusBackend> =>
  new Promise((resolve) => {
    let served = 0
    const handshakes: Array<Handshake> = []
    const sockets = new Set<Net.Socket>()
    const server = Net.createServer((socket) => {
      sockets.add(socket)
      socket.on("close", () => sockets.delete(socket))
      socket.on("error", () => {})
      let pending: Uint8Array = new Uint8Array(0)
      let handshake: Handshake | undefined
      socket.on("data", (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk])
        for (;;) {
          if (handshake === undefined) {
            const h = decodeHandshake(pending, 0)
            if (h._tag !== "Done") return
            handshake = h.value
            handshakes.push(h.value)
            pending = pending.subarray(h.offset)
            continue
          }
          const p = decodeStatusServerbound(pending, 0)
          if (p._tag !== "Done") return
          pending = pending.subarray(p.offset)
          if (p.value._tag === "StatusRequest") {
            served++
            const reply = bytesOf(encodeStatusResponse(JSON.stringify(json(handshake))))
            if (options.delayMs === undefined) socket.write(reply)
            else setTimeout(() => socket.write(reply), options.delayMs)
          } else {
            socket.end(encodePongResponse(p.value.payload))
          }
        }
      })
    })
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as Net.AddressInfo).port,
        served: () => served,
        handshakes,
        close: () =>
          new Promise((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      }))
  })

/** {@link startStatusBackend}, closed with the scope. */
export const statusBackend = (
  json: (handshake: Handshake) => unknown,
  options: { delayMs?: number } = {}
): Effect.Effect<StatusBackend, never, Scope.Scope> =>
  Effect.acquireRelease(Effect.promise(() => startStatusBackend(json, options)), (b) => Effect.promise(() => b.close()))

/** One modern status ping; the JSON the proxy answered. */
export const rawPing = (port: number, host: string, protocol: number, timeoutMs = 5000): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1")
    let pending: Uint8Array = new Uint8Array(0)
    let json: string | undefined
    const timer = setTimeout(() => (socket.destroy(), reject(new Error("ping timed out"))), timeoutMs)
    socket.on("connect", () => socket.write(statusBytes(host, { protocol })))
    socket.on("error", (e) => (clearTimeout(timer), reject(e)))
    socket.on("close", () => (clearTimeout(timer), json === undefined ? reject(new Error("closed without a reply")) : resolve(json)))
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      const r = decodeStatusClientbound(pending, 0)
      if (r._tag === "Done" && r.value._tag === "StatusResponse" && json === undefined) {
        json = r.value.json
        socket.destroy()
      }
    })
  })

export interface FloodResult {
  readonly sent: number
  readonly answered: number
  readonly failed: number
  readonly seconds: number
  readonly sample: string | undefined
}

/** `total` pings, `concurrency` at a time; bounded by `timeoutMs` per ping. */
export const flood = async (port: number, host: string, protocol: number, total: number, concurrency: number): Promise<FloodResult> => {
  const started = performance.now()
  let next = 0
  let answered = 0
  let failed = 0
  let sample: string | undefined
  const worker = async () => {
    while (next < total) {
      next++
      await rawPing(port, host, protocol).then((json) => (answered++, sample ??= json), () => failed++)
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return { sent: total, answered, failed, seconds: (performance.now() - started) / 1000, sample }
}

/** A legacy ping (`FE`, `FE 01`, or a standard 1.6 `FE 01 FA ...`); the reply's kick text. */
export const legacyPing = (port: number, request: LegacyPingRequest, timeoutMs = 5000): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = Net.connect(port, "127.0.0.1")
    let pending: Uint8Array = new Uint8Array(0)
    let text: string | undefined
    const timer = setTimeout(() => (socket.destroy(), reject(new Error("legacy ping timed out"))), timeoutMs)
    socket.on("connect", () => socket.write(bytesOf(encodeLegacyPing(request))))
    socket.on("error", (e) => (clearTimeout(timer), reject(e)))
    socket.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      const r = decodeLegacyKick(pending, 0)
      if (r._tag === "Done") text = r.value.text
    })
    socket.on("close", () => (clearTimeout(timer), text === undefined ? reject(new Error("closed without a reply")) : resolve(text)))
  })

/**
 * A plain TCP forwarder to `target` on a port below 32768 (Ports.listenLow): some
 * clients (minecraft-server-util's statusFE01FA) write the port as a signed 16-bit number.
 */
export const lowPortForwarder = async (target: number): Promise<{ port: number; close: () => Promise<void> }> => {
  const sockets = new Set<Net.Socket>()
  const { server, port } = await listenLow(() =>
    Net.createServer((client) => {
      const upstream = Net.connect(target, "127.0.0.1")
      for (const s of [client, upstream]) (sockets.add(s), s.on("error", () => {}), s.on("close", () => sockets.delete(s)))
      client.pipe(upstream)
      upstream.pipe(client)
    })
  )
  return {
    port,
    close: () => new Promise((done) => (sockets.forEach((s) => s.destroy()), server.close(() => done())))
  }
}
