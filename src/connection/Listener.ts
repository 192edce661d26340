/**
 * The accept loop: one `net.Server` on `bind`, one scoped fiber per accepted connection.
 *
 * Sockets are accepted paused (`pauseOnConnect`) with TCP_NODELAY already set (inherited from
 * the listening socket on Linux, set per socket elsewhere; keepalive is
 * applied by the connection handler once a connection turns out to be a login),
 * and half-open allowed so the relay can let a final disconnect packet drain. Everything the
 * per-connection handler acquires belongs to its fiber's scope.
 *
 * `max_connections` is a hard cap: Node cannot pause accept(2) the way Infrarust's semaphore
 * does, so a connection over the cap is closed as soon as it is accepted — unless a half-open
 * connection (one still in its handshake) can be closed instead: then that one goes and its slot
 * passes to the new connection, so silent sockets can never keep a real player out. One process
 * counts its own connections; worker threads sharing the port pass `slots`, a counter all of them
 * share (src/workers/ConnectionSlots.ts), so the cap stays global.
 *
 * The socket can move (`rebind`, when `bind` or `so_reuseport` changes) without touching the
 * connections: they belong to the listener's fiber set, not to the socket that accepted them.
 *
 * Shutdown (closing this scope, which SIGINT/SIGTERM do): stop accepting, let the live
 * sessions end by themselves for at most `shutdownTimeout`, then interrupt the rest — which
 * closes their sockets through their scopes.
 */
import { type Context, Duration, Effect, FiberSet, Schedule, Schema, type Scope } from "effect"
import * as Net from "node:net"
import { formatHostPort } from "../config/HostPort.ts"
import { reclaimAfterFloods } from "./HeapReclaim.ts"

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

/** What the listener does with a socket before its fiber starts (connection/ArrivalGate.ts). */
export interface Admission {
  /** Takes the new socket in; calls `start` when it should get its fiber (or closes it). */
  readonly admit: (socket: Net.Socket, start: () => void) => void
  /** At `max_connections`: closes the oldest half-open connection; its socket, or undefined when none. */
  readonly evictOldest: () => Net.Socket | undefined
  /** A connection was refused at `max_connections`. */
  readonly refused: () => void
}

/** One process's own count against `max_connections`. */
const localSlots = (max: number): ConnectionSlotsView => {
  let live = 0
  return {
    take: () => (live < max ? (live++, true) : false),
    give: () => {
      live--
    }
  }
}

export interface Listening {
  /** The address first bound (port 0 resolves to the chosen port). */
  readonly address: Net.AddressInfo
  /** The address bound now (after a rebind). */
  readonly current: () => Net.AddressInfo
  /** Live connection fibers. */
  readonly connections: () => number
  /**
   * Moves the listening socket to `to`, keeping every live connection: the new socket is
   * opened before the old one closes. When the old socket itself holds the port (same port,
   * another host or so_reuseport), it is closed first and taken back if the new one fails.
   * Fails with the new address's ListenError; the listener then still listens where it did.
   */
  readonly rebind: (to: { readonly host: string; readonly port: number; readonly reusePort: boolean }) => Effect.Effect<Net.AddressInfo, ListenError>
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
  context?: Context.Context<never>,
  /** Absent: every accepted socket gets its fiber at once. */
  admission?: Admission
): Effect.Effect<Listening, ListenError, Scope.Scope | R> =>
  Effect.gen(function*() {
    // Declared first so its finalizer runs last: after the drain below, it interrupts
    // whatever is still running.
    const fibers = yield* FiberSet.make<void, never>()
    const runtime = FiberSet.runtime(fibers)<R>()
    const run = yield* (context === undefined ? runtime : Effect.updateContext(runtime, (_: Context.Context<never>) => context as Context.Context<R>))
    const slots = options.slots ?? (options.maxConnections > 0 ? localSlots(options.maxConnections) : undefined)
    const give = slots?.give
    const start = admission === undefined
      ? (socket: Net.Socket) => void run(handle(socket))
      : (socket: Net.Socket) => admission.admit(socket, () => void run(handle(socket)))
    // Every accepted socket, fiber or not (half-open ones wait in the arrival gate without one).
    let accepted = 0
    const onClosed = () => void accepted--
    const onConnection = (socket: Net.Socket) => {
      accepted++
      // `on`, not `once`: a socket closes once, and `once` would keep a wrapper per connection.
      socket.on("close", onClosed)
      if (slots !== undefined && give !== undefined) {
        if (!slots.take()) {
          const evicted = admission?.evictOldest()
          if (evicted === undefined) {
            admission?.refused()
            socket.destroy()
            return
          }
          // The closed half-open connection's slot passes to this one.
          evicted.off("close", give)
        }
        socket.on("close", give)
      }
      start(socket)
    }
    let server = yield* openServer(options, onConnection)
    // A flood's dead connections are collected once it is over (HeapReclaim.ts).
    yield* reclaimAfterFloods(() => accepted)
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
      current: () => server.address() as Net.AddressInfo,
      connections: () => (fibers.state._tag === "Open" ? fibers.state.backing.size : 0),
      // The connection fibers belong to this listener, not to one socket: swapping the
      // socket leaves every live connection where it is.
      rebind: (to) =>
        Effect.gen(function*() {
          const opened = yield* Effect.result(openServer(to, onConnection))
          if (opened._tag === "Success") {
            server.close()
            server = opened.success
            return server.address() as Net.AddressInfo
          }
          // The same port (another host or so_reuseport) is taken by the old socket itself:
          // close it first, and take it back if the new address cannot be had.
          const old = server.address() as Net.AddressInfo
          if (!opened.failure.detail.includes("EADDRINUSE") || old.port !== to.port) return yield* opened.failure
          // close() frees the port at once (its callback waits for every connection: not awaited).
          server.close()
          const second = yield* Effect.result(openServer(to, onConnection).pipe(
            Effect.retry({ times: 3, schedule: Schedule.spaced("20 millis") })
          ))
          if (second._tag === "Success") {
            server = second.success
            return server.address() as Net.AddressInfo
          }
          server = yield* openServer({ host: old.address, port: old.port, reusePort: options.reusePort }, onConnection).pipe(
            Effect.mapError((e) => new ListenError({ address: e.address, detail: `${second.failure.detail}; the old address could not be taken back either (${e.detail})` }))
          )
          return yield* second.failure
        })
    }
  })

/** Whether accepted sockets inherit TCP_NODELAY from the listening socket (Linux does). */
const nodelayInherited = (platform: NodeJS.Platform = process.platform): boolean => platform === "linux"

/** A listening `net.Server` that hands accepted sockets to `onConnection`. */
const openServer = (
  at: { readonly host: string; readonly port: number; readonly reusePort: boolean },
  onConnection: (socket: Net.Socket) => void
): Effect.Effect<Net.Server, ListenError> =>
  Effect.callback<Net.Server, ListenError>((resume) => {
    const label = formatHostPort(at.host, at.port)
    // TCP_NODELAY: on Linux an accepted socket inherits it from the listening socket, so it is set
    // there once (below) instead of by a system call per accepted connection.
    const inherited = nodelayInherited()
    const server = Net.createServer({ pauseOnConnect: true, allowHalfOpen: true, noDelay: !inherited })
    server.on("connection", onConnection)
    const onError = (err: Error) => resume(Effect.fail(new ListenError({ address: label, detail: err.message })))
    server.once("error", onError)
    server.listen(
      { host: at.host, port: at.port, backlog: 1024, ...(at.reusePort && reusePortSupported() ? { reusePort: true } : {}) },
      () => {
        server.off("error", onError)
        server.on("error", () => {}) // accept errors (EMFILE, ...) are retried by libuv; nothing to crash over
        if (inherited) (server as unknown as { _handle: { setNoDelay(on: boolean): void } })._handle.setNoDelay(true)
        resume(Effect.succeed(server))
      }
    )
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
