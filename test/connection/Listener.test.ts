/**
 * The listener's accepted sockets, over loopback: TCP_NODELAY is on for every accepted
 * connection (inherited from the listening socket on Linux, where it is set once), including
 * those accepted after the listener moved to another address.
 */
import { assert, describe, it } from "@effect/vitest"
import { Deferred, Duration, Effect } from "effect"
import * as Net from "node:net"
import { listen } from "../../src/connection/Listener.ts"
import { readNoDelay } from "../../src/socket/TcpKeepalive.ts"

const connect = (port: number) =>
  Effect.acquireRelease(
    Effect.callback<Net.Socket>((resume) => {
      const socket = Net.connect(port, "127.0.0.1", () => resume(Effect.succeed(socket)))
      socket.on("error", () => {})
    }),
    (socket) => Effect.sync(() => socket.destroy())
  )

describe("Listener", () => {
  it.live("accepted sockets have TCP_NODELAY on, before and after a rebind", () =>
    Effect.gen(function*() {
      const seen = [yield* Deferred.make<boolean | undefined>(), yield* Deferred.make<boolean | undefined>()]
      let accepted = 0
      const listening = yield* listen(
        { host: "127.0.0.1", port: 0, reusePort: false, maxConnections: 0, shutdownTimeout: Duration.seconds(1) },
        (socket) => Effect.andThen(Deferred.succeed(seen[accepted++]!, readNoDelay(socket)), Effect.sync(() => socket.destroy()))
      )
      yield* connect(listening.address.port)
      const first = yield* Deferred.await(seen[0]!)
      const moved = yield* listening.rebind({ host: "127.0.0.1", port: 0, reusePort: false })
      yield* connect(moved.port)
      const second = yield* Deferred.await(seen[1]!)
      if (process.platform !== "linux") return
      assert.strictEqual(first, true)
      assert.strictEqual(second, true)
    }).pipe(Effect.scoped))
})
