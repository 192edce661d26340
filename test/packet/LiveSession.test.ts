/**
 * The packet layer in a live session between real peers: a minecraft-protocol player and
 * server talk through a small TCP tap that reads every frame with FrameReader and writes it
 * with FrameWriter, both directions, and switches compression on all four when the server's
 * Set Compression goes by (the offline-mode shape). Backend → client uses `onread` with one
 * reused buffer and pauses while the client holds written bytes, as the session loop will.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Net from "node:net"
import { FrameReader } from "../../src/packet/FrameReader.ts"
import { FrameWriter } from "../../src/packet/FrameWriter.ts"
import type { ReadFrame } from "../../src/packet/ReadFrame.ts"
import { decodeHandshake } from "../../src/protocol/Handshake.ts"
import { packetTable } from "../../src/protocol/PacketIds.ts"
import { ProtocolError } from "../../src/protocol/ProtocolError.ts"
import { decodeVarInt } from "../../src/protocol/VarInt.ts"
import { semiCompressible } from "../support/GameBytes.ts"
import { loginAndChat } from "../support/McClients.ts"
import { startMcServer } from "../support/McPeers.ts"

interface TapStats {
  threshold: number
  framesToClient: number
  /** Compressed frames relayed to the client, and how many of them had a readable id. */
  compressedToClient: number
  compressedIds: number
  errors: Array<string>
}

interface Tap {
  readonly port: number
  readonly stats: TapStats
  readonly close: () => Promise<void>
}

/** Reads every frame of `reader`, hands each to `onFrame`; false on a ProtocolError. */
const drain = (reader: FrameReader, stats: TapStats, onFrame: (f: ReadFrame) => void): boolean => {
  for (;;) {
    const f = reader.next()
    if (f._tag === "NeedMore") return true
    if (f instanceof ProtocolError) {
      stats.errors.push(f.message)
      return false
    }
    onFrame(f)
  }
}

const startTap = (backendPort: number): Promise<Tap> => {
  const stats: TapStats = { threshold: -1, framesToClient: 0, compressedToClient: 0, compressedIds: 0, errors: [] }
  const sockets = new Set<Net.Socket>()
  const server = Net.createServer((client) => {
    const fromClient = new FrameReader()
    const toBackend = new FrameWriter()
    const fromBackend = new FrameReader()
    const toClient = new FrameWriter()
    let login: { compress: number | undefined; success: number | undefined } | undefined
    let loginDone = false
    const onBackendFrame = (f: ReadFrame) => {
      stats.framesToClient++
      if (f.dataLength > 0) {
        stats.compressedToClient++
        if (typeof f.packetId() === "number") stats.compressedIds++
      }
      const id = f.packetId()
      const err = toClient.forward(f)
      if (err !== undefined) stats.errors.push(err.message)
      if (loginDone || login === undefined) return
      if (id === login.success) loginDone = true
      if (id !== login.compress) return
      // Set Compression: forwarded in the old framing, then every reader and writer switches.
      const payload = f.payload()
      const threshold = payload instanceof Uint8Array ? decodeVarInt(payload, 0) : undefined
      if (threshold?._tag !== "Done") return void stats.errors.push("bad Set Compression")
      stats.threshold = threshold.value
      for (const side of [fromBackend, toClient, fromClient, toBackend]) side.setCompression(threshold.value)
    }
    let backendPaused = false
    const backend: Net.Socket = Net.connect({
      port: backendPort,
      host: "127.0.0.1",
      onread: {
        buffer: Buffer.allocUnsafe(64 * 1024),
        callback: (n, buf) => {
          fromBackend.push(buf.subarray(0, n))
          if (!drain(fromBackend, stats, onBackendFrame)) {
            client.destroy()
            return false
          }
          client.cork()
          toClient.flush((b) => client.write(b))
          client.uncork()
          // The buffer is reused by the next read: wait until the client has taken its bytes.
          if (client.writableLength === 0) return true
          backendPaused = true
          return false
        }
      }
    })
    client.on("drain", () => {
      if (backendPaused) {
        backendPaused = false
        backend.resume()
      }
    })
    client.on("data", (chunk: Buffer) => {
      fromClient.push(chunk)
      const ok = drain(fromClient, stats, (f) => {
        if (login === undefined) {
          const h = decodeHandshake(f.raw(), 0)
          if (h._tag === "Done") {
            const table = packetTable(h.value.protocolVersion)
            login = { compress: table?.login.clientbound.ids.compress, success: table?.login.clientbound.ids.success }
          }
        }
        const err = toBackend.forward(f)
        if (err !== undefined) stats.errors.push(err.message)
      })
      if (!ok) return void backend.destroy()
      backend.cork()
      toBackend.flush((b) => backend.write(b))
      backend.uncork()
    })
    for (const s of [client, backend]) {
      sockets.add(s)
      s.on("error", () => {})
      s.on("close", () => {
        sockets.delete(s)
        client.destroy()
        backend.destroy()
      })
    }
  })
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({
        port: (server.address() as Net.AddressInfo).port,
        stats,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })
}

describe("Packet layer in a live session (minecraft-protocol player and server)", () => {
  for (const version of ["1.8.8", "1.12.2", "1.20.4", "1.21.4"]) {
    it(`${version}: login with compression, keep-alives and chat both ways through reader and writer`, async () => {
      // A packet over the threshold in every version, so compressed frames cross the tap too.
      const backend = await startMcServer(version, {
        onJoin: (player) => player.write("custom_payload", { channel: "infrarust:test", data: Buffer.from(semiCompressible(5000)) })
      })
      const tap = await startTap(backend.port)
      try {
        const result = await loginAndChat(version, tap.port, "localhost", "relayed")
        assert.isTrue(result.echoed)
        assert.isAtLeast(result.keepAlivesReceived, 2)
        assert.deepStrictEqual(tap.stats.errors, [])
        assert.strictEqual(tap.stats.threshold, 256) // minecraft-protocol's default
        assert.isAbove(tap.stats.framesToClient, 3)
        assert.isAtLeast(tap.stats.compressedToClient, 1)
        assert.strictEqual(tap.stats.compressedIds, tap.stats.compressedToClient)
        assert.deepStrictEqual(backend.chats, ["hello-from-client"])
      } finally {
        await tap.close()
        await backend.close()
      }
    })
  }
})
