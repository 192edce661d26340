/**
 * The player's accepted socket switched over to `onread` in place: no second socket, bytes
 * the stages left in its stream buffer come first, and a handler that returns false stops the
 * reads until the socket is resumed.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect } from "effect"
import * as Net from "node:net"
import { adoptWithOnread } from "../../src/relay/ClientIntake.ts"

/** A connected pair on loopback: the accepted side is made the way the proxy's listener makes it. */
const pair = Effect.acquireRelease(
  Effect.callback<{ readonly server: Net.Server; readonly accepted: Net.Socket; readonly client: Net.Socket }>((resume) => {
    const server = Net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: true })
    server.once("connection", (accepted) => resume(Effect.succeed({ server, accepted, client })))
    let client: Net.Socket
    server.listen(0, "127.0.0.1", () => (client = Net.connect({ port: (server.address() as Net.AddressInfo).port, host: "127.0.0.1", allowHalfOpen: true })))
  }),
  ({ accepted, client, server }) => Effect.sync(() => (accepted.destroy(), client.destroy(), server.close()))
)

/** Resolves once the accepted socket holds `n` unread bytes in its stream buffer. */
const buffered = (socket: Net.Socket, n: number) =>
  Effect.callback<void>((resume) => {
    socket.resume()
    socket.pause()
    const check = () => (socket.readableLength >= n ? (socket.off("readable", check), resume(Effect.void)) : socket.read(0))
    socket.on("readable", check)
    check()
  })

/** What the handler was given, and a wait for the next of it (woken by the handler itself). */
const recorder = () => {
  const reads: Array<string> = []
  let wake = () => {}
  return {
    reads,
    // Woken after the handler has returned, so what Node does with its answer has been done.
    record: (n: number, buf: Buffer) => (reads.push(buf.subarray(0, n).toString()), queueMicrotask(() => wake())),
    until: (count: number) =>
      Effect.callback<void>((resume) => {
        wake = () => reads.length >= count && resume(Effect.void)
        wake()
      })
  }
}

describe("adoptWithOnread", () => {
  it.live("switches the accepted socket in place, hands over its buffered bytes, and pauses on false", () =>
    Effect.gen(function*() {
      const { accepted, client } = yield* pair
      client.write("hello")
      yield* buffered(accepted, 5)
      const { reads, record, until } = recorder()
      let answer = true
      const adopted = adoptWithOnread(accepted, { onData: (n, buf) => (record(n, buf), answer) })
      assert.isDefined(adopted)
      assert.strictEqual(adopted!.socket, accepted, "no second socket: the accepted one reads through onread now")
      assert.strictEqual(Buffer.concat(adopted!.buffered).toString(), "hello")
      accepted.resume()

      answer = false
      client.write("world")
      yield* until(1)
      assert.deepStrictEqual(reads, ["world"])
      const handle = (accepted as unknown as { _handle: { reading: boolean } })._handle
      assert.isFalse(handle.reading, "a false answer stops the reads")

      answer = true
      client.write("again")
      accepted.resume()
      yield* until(2)
      assert.deepStrictEqual(reads, ["world", "again"])
      assert.strictEqual(accepted.bytesRead, 15)
    }).pipe(Effect.scoped))

  it.live("keeps the write half open after the player ends its side", () =>
    Effect.gen(function*() {
      const { accepted, client } = yield* pair
      const adopted = adoptWithOnread(accepted, { onData: () => true })!
      adopted.socket.resume()
      const received = Effect.callback<string>((resume) => {
        const chunks: Array<Buffer> = []
        client.on("data", (chunk: Buffer) => chunks.push(chunk))
        client.on("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString())))
      })
      yield* Effect.callback<void>((resume) => {
        adopted.socket.once("end", () => resume(Effect.void))
        client.end()
      })
      adopted.socket.end("bye")
      assert.strictEqual(yield* received, "bye")
    }).pipe(Effect.scoped))
})
