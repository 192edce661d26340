/**
 * The accept loop: one `net.Server` on `bind`, one scoped fiber per accepted connection.
 *
 * Sockets are accepted paused (`pauseOnConnect`) with TCP_NODELAY already set (keepalive is
 * applied by the connection handler once a connection turns out to be a login),
 * and half-open allowed so the relay can let a final disconnect packet drain. Everything the
 * per-connection handler acquires belongs to its fiber's scope.
 *
 * `max_connections` is a hard cap: Node cannot pause accept(2) the way Infrarust's semaphore
 * does, so a connection over the cap is closed as soon as it is accepted. One process counts
 * with Node's own `server.maxConnections`; worker threads sharing the port pass `slots`, a
 * counter all of them share (src/workers/ConnectionSlots.ts), so the cap stays global.
 *
 * Shutdown (closing this scope, which SIGINT/SIGTERM do): stop accepting, let the live
 * sessions end by themselves for at most `shutdownTimeout`, then interrupt the rest — which
 * closes their sockets through their scopes.
 */
import { type Context, Duration, Effect, FiberSet, Schema, type Scope } from "effect"
import * as Net from "node:net"
import { formatHostPort } from "../config/HostPort.ts"

export class ListenError extends Schema.TaggedError<ListenError>()("ListenError", {
  address: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot listen on ${this.address}: ${this.detail}`
  }
}

export interface ListenerOptions {
  readonly host: string
  readonly port: number
  /** SO_REUSEPORT; applied only where Node supports it (Linux), ignored elsewhere. */
  readonly reusePort: boolean
  /** 0 = unlimited. */
  readonly maxConnections: number
  /**
   * A connection counter shared with other listeners on the same port (worker threads):
   * `take` on accept (false = over the cap: closed at once), `give` when the socket closes.
   * When present it enforces the cap instead of `maxConnections`.
   */
  readonly slots?: ConnectionSlotsView | undefined
  /** How long live connections may drain when the listener closes. */
  readonly shutdownTimeout: Duration.Duration
}

export interface ConnectionSlotsView {
  readonly take: () => boolean
  readonly give: () => void
}

export interface Listening {
  /** The address actually bound (port 0 resolves to the chosen port). */
  readonly address: Net.AddressInfo
  /** Live connection fibers. */
  readonly connections: () => number
}

/**
 * Node only accepts `reusePort` on some platforms and throws from `listen` elsewhere
 * (nodejs/node#61018), which would take the whole listener down.
 */
export const reusePortSupported = (platform: NodeJS.Platform = process.platform): boolean => platform === "linux"

export const listen = <R>(
  options: ListenerOptions,
  handle: (socket: Net.Socket) => Effect.Effect<void, never, R>,
  /** The context connection fibers start with (default: the caller's). */
  context?: Context.Context<never>
): Effect.Effect<Listening, ListenError, Scope.Scope | R> =>
  Effect.gen(function*() {
    const label = formatHostPort(options.host, options.port)
    // Declared first so its finalizer runs last: after the drain below, it interrupts
    // whatever is still running.
    const fibers = yield* FiberSet.make<void, never>()
    const runtime = FiberSet.runtime(fibers)<R>()
    const run = yield* (context === undefined ? runtime : Effect.updateContext(runtime, (_: Context.Context<never>) => context as Context.Context<R>))
    const server = Net.createServer({
      pauseOnConnect: true,
      allowHalfOpen: true,
      noDelay: true
    })
    const slots = options.slots
    if (slots === undefined && options.maxConnections > 0) server.maxConnections = options.maxConnections
    server.on(
      "connection",
      slots === undefined
        ? (socket) => {
          run(handle(socket))
        }
        : (socket) => {
          if (!slots.take()) {
            socket.destroy()
            return
          }
          socket.once("close", slots.give)
          run(handle(socket))
        }
    )
    yield* Effect.callback<void, ListenError>((resume) => {
      const onError = (err: Error) => resume(Effect.fail(new ListenError({ address: label, detail: err.message })))
      server.once("error", onError)
      server.listen(
        {
          host: options.host,
          port: options.port,
          backlog: 1024,
          ...(options.reusePort && reusePortSupported() ? { reusePort: true } : {})
        },
        () => {
          server.off("error", onError)
          resume(Effect.void)
        }
      )
    })
    server.on("error", () => {}) // accept errors (EMFILE, ...) are retried by libuv; nothing to crash over
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        // Stop accepting; do not wait for close(): it only fires once every connection ended.
        server.close()
        const live = yield* FiberSet.size(fibers)
        if (live > 0) {
          yield* Effect.logInfo(
            `shutting down: waiting up to ${Duration.format(options.shutdownTimeout)} for ${live} connection(s)`
          )
          const drained = yield* FiberSet.awaitEmpty(fibers).pipe(Effect.timeoutOption(options.shutdownTimeout))
          if (drained._tag === "None") {
            const left = yield* FiberSet.size(fibers)
            yield* Effect.logInfo(`shutting down: closing ${left} remaining connection(s)`)
          }
        }
        yield* FiberSet.clear(fibers)
      })
    )
    const address = server.address() as Net.AddressInfo
    return {
      address,
      connections: () => (fibers.state._tag === "Open" ? fibers.state.backing.size : 0)
    }
  })

/**
 * Binds `host:port` alone (no SO_REUSEPORT) and releases it at once: fails with ListenError
 * when the port is in use (by anyone, SO_REUSEPORT listeners included), else answers the port
 * (0 resolved to the kernel's choice). Worker threads that will share a port check it first.
 */
export const probeAddress = (host: string, port: number): Effect.Effect<number, ListenError> =>
  Effect.callback<number, ListenError>((resume) => {
    const label = formatHostPort(host, port)
    const server = Net.createServer()
    server.once("error", (err) => resume(Effect.fail(new ListenError({ address: label, detail: err.message }))))
    server.listen({ host, port, exclusive: true }, () => {
      const bound = (server.address() as Net.AddressInfo).port
      server.close(() => resume(Effect.succeed(bound)))
    })
  })
