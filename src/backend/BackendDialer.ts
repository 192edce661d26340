/**
 * Opens the TCP connection to one backend address: TCP_NODELAY and keepalive as on the
 * client leg, an optional PROXY v2 header as the very first bytes, and reads delivered
 * through `onread` into the socket's own reused buffer (relay/ReadBuffer.ts).
 *
 * The socket belongs to the caller's Scope: it is destroyed when the scope closes unless the
 * relay has already closed it. A connect that outlives `connectTimeout` fails with
 * `BackendConnectError` (reason "timeout"); DNS resolution counts against it, as in Infrarust.
 */
import { Duration, Effect, Schema, Scope } from "effect"
import { constVoid } from "effect/Function"
import * as Net from "node:net"
import { attachReads, onreadOption, ReadBuffer } from "../socket/ReadBuffer.ts"
import { applyKeepalive, type KeepaliveSettings } from "../socket/TcpKeepalive.ts"
import { type BackendLink, pauseUntilTaken } from "../socket/BackendLink.ts"
import { callbackWithin } from "../socket/Deadline.ts"

export class BackendConnectError extends Schema.TaggedError<BackendConnectError>()("BackendConnectError", {
  address: Schema.String,
  reason: Schema.Literals(["timeout", "refused", "unreachable", "closed", "error"]),
  detail: Schema.String
}) {
  override get message(): string {
    return `cannot connect to backend ${this.address}: ${this.detail}`
  }
}

/**
 * Every backend of a server failed to connect. Recorded on the `proxy.backend_connect` span;
 * the login turns it into the player's `disconnect_message`.
 */
export class NoBackendReachable extends Schema.TaggedError<NoBackendReachable>()("NoBackendReachable", {
  server: Schema.String
}) {
  override get message(): string {
    return `no backend of '${this.server}' is reachable`
  }
}

export interface DialOptions {
  readonly host: string
  readonly port: number
  /** "host:port" as written in the config, for messages. */
  readonly address: string
  readonly connectTimeout: Duration.Duration
  /** TCP keepalive (`[keepalive]`); undefined leaves keepalive off (short-lived probes). */
  readonly keepalive?: KeepaliveSettings | undefined
  /** Written before anything else (PROXY protocol header). */
  readonly preamble?: Uint8Array | undefined
}

const classify = (err: NodeJS.ErrnoException): BackendConnectError["reason"] => {
  switch (err.code) {
    case "ECONNREFUSED":
      return "refused"
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "unreachable"
    case "ECONNRESET":
    case "EPIPE":
      return "closed"
    default:
      return "error"
  }
}

export const dial = (options: DialOptions): Effect.Effect<BackendLink, BackendConnectError, Scope.Scope> =>
  Effect.flatMap(Scope.Scope, (scope) => {
    const link: { -readonly [K in keyof BackendLink]: BackendLink[K] } = {
      socket: undefined as unknown as Net.Socket,
      address: options.address,
      headerBytes: options.preamble?.length ?? 0,
      onData: pauseUntilTaken
    }
    // The finalizer comes first and the socket is created inside the wait, synchronously: no
    // interruption can fall between the two and leave a socket nobody closes. On the scope
    // itself, not `acquireRelease`: it then holds no copy of the fiber's context for the hours
    // a session lasts.
    return Effect.andThen(
      Scope.addFinalizerExit(scope, destroyOf(link)),
      callbackWithin<BackendLink, BackendConnectError, never, BackendConnectError>((resume) => {
        const socket = connectSocket(options, link)
        link.socket = socket
        const onConnect = () => {
          socket.off("error", onError)
          if (options.keepalive !== undefined) applyKeepalive(socket, options.keepalive)
          // Errors after this point belong to whoever uses the link (the relay listens for
          // them); until then, swallow them so an early reset cannot crash the process.
          socket.on("error", constVoid)
          if (options.preamble !== undefined) socket.write(options.preamble)
          resume(Effect.succeed(link))
        }
        const onError = (err: NodeJS.ErrnoException) => {
          socket.off("connect", onConnect)
          resume(Effect.fail(new BackendConnectError({ address: options.address, reason: classify(err), detail: err.message })))
        }
        socket.once("connect", onConnect)
        socket.once("error", onError)
        return () => {
          socket.off("connect", onConnect)
          socket.off("error", onError)
          // Timed out or interrupted: nothing will use the socket (its scope may outlive the
          // attempt: Attempts.ts), and a late error is nobody's.
          socket.on("error", constVoid)
          socket.destroy()
        }
      }, options.connectTimeout, () =>
        Effect.fail(
          new BackendConnectError({
            address: options.address,
            reason: "timeout",
            detail: `no answer within ${Duration.format(options.connectTimeout)}`
          })
        ))
    )
  })

/**
 * The finalizer (and the no-op error listener, `constVoid`) stay for the whole session, so they
 * are not closures made inside the dial: those would keep the dial's whole closure context (its
 * timer, its connect and error handlers) alive for as long as the session lasts.
 */
const destroyOf = (link: BackendLink) => () => Effect.sync(() => link.socket?.destroy())

/** The socket, reading through `onread` into its own reused buffer and on to `link.onData`. */
const connectSocket = (options: DialOptions, link: BackendLink): Net.Socket => {
  const reads = new ReadBuffer(link)
  return attachReads(
    Net.connect({ host: options.host, port: options.port, noDelay: true, allowHalfOpen: true, onread: onreadOption(reads) }),
    reads
  )
}
