/**
 * The built-in demo backend: for every server file with `demo = true`, a tiny Minecraft server
 * on that file's first address, answering status pings and turning logins away with a message
 * that says where the server files go (DemoConversation.ts). It exists so that a first
 * `npm start` on the repository's files shows something real in a client with nothing else
 * running; the proxy reaches it like any backend (a real TCP connection).
 *
 * It follows the servers directory: removing `demo.toml` (or its flag) closes the listener.
 * Only loopback addresses are served: a demo must never open a public port. An address that is
 * taken is logged and skipped. Per connection it is plain Node code, bounded by an idle timeout.
 */
import { Context, Effect, Layer, Stream, SubscriptionRef } from "effect"
import * as Net from "node:net"
import * as NodePath from "node:path"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { formatHostPort } from "../config/HostPort.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { DemoConversation, type DemoText, demoText } from "./DemoConversation.ts"

/** A connection that says nothing for this long is closed. */
const IDLE_TIMEOUT_MS = 10_000

const isLoopback = (host: string): boolean => host === "localhost" || host === "::1" || /^127\./.test(host)

interface Running {
  readonly server: Net.Server
  /** Read per connection: an edit of the file changes what new connections see. */
  text: DemoText
}

/** Serves one connection: plain callbacks, no Effect per chunk. */
const serve = (running: Running) => (socket: Net.Socket) => {
  const conversation = new DemoConversation(running.text)
  let rest = new Uint8Array(0)
  socket.setTimeout(IDLE_TIMEOUT_MS, () => socket.destroy())
  socket.on("error", () => socket.destroy())
  socket.on("data", (chunk: Buffer) => {
    const input = rest.length === 0 ? chunk : Buffer.concat([rest, chunk])
    const step = conversation.feed(input)
    for (const frame of step.out) socket.write(frame)
    if (step.end) socket.end()
    else rest = Uint8Array.from(step.rest)
  })
}

const listen = (host: string, port: number, text: DemoText) =>
  Effect.callback<Running, Error>((resume) => {
    const server = Net.createServer({ allowHalfOpen: false })
    const entry: Running = { server, text }
    server.on("connection", serve(entry))
    server.once("error", (error) => resume(Effect.fail(error)))
    server.listen({ host, port, exclusive: true }, () => resume(Effect.succeed(entry)))
  })

const make = Effect.gen(function*() {
  const directory = yield* ServersDirectory
  const running = new Map<string, Running>()
  yield* Effect.addFinalizer(() => Effect.sync(() => running.forEach((r) => r.server.close())))

  const reconcile = Effect.fnUntraced(function*(servers: ReadonlyArray<LoadedServer>) {
    const wanted = new Map<string, { server: LoadedServer; host: string; port: number }>()
    for (const server of servers) {
      const address = server.config.addresses[0]
      if (!server.config.demo || address === undefined) continue
      if (!isLoopback(address.host)) {
        yield* Effect.logError(`${server.path}: demo = true needs a loopback address (127.0.0.1:<port>); the demo backend is not started`)
        continue
      }
      wanted.set(formatHostPort(address.host, address.port), { server, host: address.host, port: address.port })
    }
    for (const [key, r] of running) {
      if (wanted.has(key)) continue
      r.server.close()
      running.delete(key)
      yield* Effect.logInfo(`demo backend on ${key} stopped`)
    }
    for (const [key, w] of wanted) {
      const text = demoText(w.server.path, NodePath.dirname(w.server.path))
      const existing = running.get(key)
      if (existing !== undefined) {
        existing.text = text
        continue
      }
      const started = yield* Effect.result(listen(w.host, w.port, text))
      if (started._tag === "Failure") {
        yield* Effect.logWarning(`${w.server.path}: the demo backend cannot listen on ${key} (${started.failure.message}); '${w.server.id}' answers as an unreachable server`)
        continue
      }
      running.set(key, started.success)
      yield* Effect.logInfo(`demo backend for '${w.server.id}' listening on ${key} (${w.server.path}: demo = true)`)
    }
  })

  // Started before the listener accepts anyone: the first ping already finds it.
  yield* reconcile(yield* SubscriptionRef.get(directory.servers))
  yield* SubscriptionRef.changes(directory.servers).pipe(Stream.drop(1), Stream.runForEach(reconcile), Effect.forkScoped)
  return DemoBackend.of({ addresses: () => [...running.keys()] })
})

export class DemoBackend extends Context.Service<DemoBackend, {
  /** The addresses demo backends listen on now. */
  readonly addresses: () => ReadonlyArray<string>
}>()("infrarust/demo/DemoBackend") {
  static readonly layer = Layer.effect(DemoBackend, make)
}
