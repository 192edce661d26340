/**
 * Closing after the last answer: at once when the client has nothing left unread (the answer
 * still arrives, then the end of the stream), gracefully (waiting for the client) otherwise.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Fiber } from "effect"
import * as Net from "node:net"
import { answerAndClose } from "../../src/socket/GracefulClose.ts"

/** A connected pair over loopback: the accepted side (ours) and the client that reads everything. */
const pair = Effect.acquireRelease(
  Effect.callback<{ readonly server: Net.Server; readonly ours: Net.Socket; readonly client: Net.Socket; readonly received: Promise<Buffer> }>((resume) => {
    const server = Net.createServer({ allowHalfOpen: true }, (ours) => {
      ours.on("error", () => {})
      resume(Effect.succeed({ server, ours, client, received }))
    })
    let client!: Net.Socket
    let received!: Promise<Buffer>
    server.listen(0, "127.0.0.1", () => {
      client = Net.connect((server.address() as Net.AddressInfo).port, "127.0.0.1")
      const chunks: Array<Buffer> = []
      // Resolved on the end of the stream: everything the proxy wrote, then its FIN.
      received = new Promise((done) => {
        client.on("data", (c: Buffer) => chunks.push(c))
        client.on("end", () => done(Buffer.concat(chunks)))
      })
    })
  }),
  ({ client, server }) => Effect.sync(() => (client.destroy(), server.close()))
)

const ANSWER = Buffer.from("the status response and the pong")

describe("answerAndClose", () => {
  it.live("closes at once when nothing is unread; the client still reads the whole answer, then the end", () =>
    Effect.gen(function*() {
      const { client, ours, received } = yield* pair
      yield* answerAndClose(ours, ANSWER, 0, "2 seconds")
      assert.isTrue(ours.destroyed, "closed without waiting for the client")
      const got = yield* Effect.promise(() => received)
      assert.deepStrictEqual(got, ANSWER)
      assert.strictEqual(client.errored, null, "no reset reached the client")
    }))

  it.live("with bytes still unread, waits for the client's close instead", () =>
    Effect.gen(function*() {
      const { client, ours, received } = yield* pair
      let doneBefore = false
      const waiting = yield* Effect.forkChild(Effect.andThen(answerAndClose(ours, ANSWER, 3, "5 seconds"), Effect.sync(() => (doneBefore = true))))
      const got = yield* Effect.promise(() => received)
      assert.deepStrictEqual(got, ANSWER)
      assert.isFalse(ours.destroyed, "not closed while the client had not hung up")
      assert.isFalse(doneBefore)
      client.end()
      yield* Fiber.join(waiting)
      assert.isTrue(doneBefore, "done once the client closed")
    }))
})
