/**
 * One accepted connection, top to bottom, as one scoped fiber:
 *
 *   arrival (PROXY header → IP admission → first packet → route: the ConnectionContext)
 *   → legacy ping | status | login (→ the mode handler, which runs the session)
 *
 * Each stage is its own traced function (`proxy.<stage>`); this file only sequences them, bounds
 * the connections still in their handshake, and turns their failures into the right log line.
 * Everything the connection opens (the client socket, the session and its backend leg) belongs to
 * the fiber's Scope, so shutdown, timeouts and kicks are plain interruption and nothing leaks.
 */
import { Cause, Context, Effect, Layer, LogLevel, Scope, SubscriptionRef } from "effect"
import type * as Net from "node:net"
import { endpointOf } from "../address/Endpoint.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ProxyModes } from "../mode/ProxyModes.ts"
import { observeConnection } from "../observability/ConnectionReport.ts"
import { LogThrottle } from "../observability/LogThrottle.ts"
import { traced } from "../observability/Tracing.ts"
import { NextState } from "../protocol/Handshake.ts"
import { throttledLevel } from "../security/Refuse.ts"
import type { HandshakeContext } from "../session/ConnectionContext.ts"
import { makeInbound } from "../socket/Inbound.ts"
import type { LegacyContext } from "../status/StatusService.ts"
import { arrive } from "./Arrival.ts"
import { LEGACY_LOGIN_FIELD, UNEXPECTED_PROXY_HEADER_FIELD } from "./FirstPacket.ts"
import { answerLegacyPing } from "./LegacyStage.ts"
import { acceptLogin } from "./LoginStage.ts"
import { PendingConnections } from "./PendingConnections.ts"
import { answerStatus } from "./StatusStage.ts"

const logAt = (level: LogLevel.Severity, message: string) => Effect.logWithLevel(level)(message)

export class ConnectionHandler extends Context.Service<ConnectionHandler, {
  readonly handle: (socket: Net.Socket) => Effect.Effect<void>
  /**
   * What a connection's fiber needs, and nothing else: the listener starts connection fibers
   * with it, so no fiber copies the whole application's context (a copy per connection costs
   * kilobytes per idle player).
   */
  readonly context: Context.Context<never>
}>()("infrarust/connection/ConnectionHandler") {
  static readonly layer = Layer.effect(
    ConnectionHandler,
    Effect.gen(function*() {
      const store = yield* ProxyConfigStore
      // Without the layer's own Scope: provided to a connection, it would take over the
      // connection's scope, and everything the connection registers (its session, backend
      // sockets) would only be released when the proxy stops.
      const services = Context.omit(Scope.Scope)(yield* Effect.context<ServicesOfConnection>())
      const pending = new PendingConnections()
      const throttle = yield* LogThrottle

      const connection = Effect.fnUntraced(function*(socket: Net.Socket) {
        // Finalizers here outlive the stages (they run when the session ends): registered on the
        // scope directly, they keep no copy of the fiber's context alive for hours.
        const scope = yield* Scope.Scope
        yield* Scope.addFinalizer(scope, Effect.sync(() => socket.destroy()))
        // Stages attach their own listeners; this one only keeps a reset from being unhandled.
        socket.on("error", () => {})
        const config = yield* SubscriptionRef.get(store.config)
        const peer = endpointOf(socket.remoteAddress, socket.remotePort)
        const local = endpointOf(socket.localAddress, socket.localPort)
        yield* Effect.annotateLogsScoped({ client: peer.address })
        const leavePending = yield* pending.enter(socket, config.limits.maxPendingHandshakes)
        yield* Scope.addFinalizer(scope, leavePending)

        const inbound = makeInbound(socket)
        const ctx = yield* arrive(inbound, peer, local, config)
        if (ctx === undefined) return
        if (ctx.opening._tag === "LegacyPing") return yield* answerLegacyPing(ctx as LegacyContext, socket)
        const handshakeCtx = ctx as HandshakeContext
        if (ctx.opening.handshake.nextState === NextState.Status) return yield* answerStatus(handshakeCtx, inbound)
        return yield* acceptLogin(handshakeCtx, { socket, inbound }, leavePending)
      })

      // The parts of the pipeline that do not depend on the socket, built once.
      const inSpan = traced("proxy.connection", { kind: "server" })
      // The whole context, not merged into the accepting fiber's: a merge copies every service per connection.
      const withServices = <A, E>(effect: Effect.Effect<A, E, Exclude<ServicesOfConnection, Scope.Scope>>) => Effect.updateContext(effect, (_: Context.Context<never>) => services as Context.Context<ServicesOfConnection>)
      // Expected failures were logged inside the span; only defects are left to say.
      const reportDefects = Effect.matchCauseEffect({
        onSuccess: () => Effect.void,
        onFailure: (cause: Cause.Cause<unknown>) =>
          Cause.hasFails(cause) || Cause.hasInterruptsOnly(cause)
            ? Effect.void
            : Effect.logError("connection failed unexpectedly", cause)
      })

      /**
       * While a player plays for hours, the fiber holds only the session's relay and these few
       * frames (memory per idle session is what a proxy with 10,000 players pays for).
       */
      const handle = (socket: Net.Socket) =>
        connection(socket).pipe(
          observeConnection((error: Described) =>
            Effect.flatMap(throttledLevel(throttle, levelOf(error), socket.remoteAddress, error._tag), (level) => logAt(level, describe(error)))),
          inSpan,
          reportDefects,
          Effect.scoped,
          withServices
        )
      return ConnectionHandler.of({ handle, context: services as Context.Context<never> })
    })
  )
}

type ServicesOfConnection =
  | ProxyModes
  | Effect.Services<ReturnType<typeof arrive>>
  | Effect.Services<ReturnType<typeof answerLegacyPing>>
  | Effect.Services<ReturnType<typeof answerStatus>>
  | Effect.Services<ReturnType<typeof acceptLogin>>

interface Described {
  readonly _tag: string
  readonly message: string
  readonly field?: string
}

/** Expected disconnects are Debug; configuration mistakes and backend trouble are Warn. */
const levelOf = (error: Described): LogLevel.Severity => {
  if (error._tag === "ProtocolError" && error.field === UNEXPECTED_PROXY_HEADER_FIELD) return "Warn"
  // Debug, not Info: one random first byte of 0x02 looks like a pre-1.7 login, so a garbage
  // flood would otherwise write an Info line per 256 connections.
  if (error._tag === "ProtocolError" && error.field === LEGACY_LOGIN_FIELD) return "Debug"
  if (error._tag === "BackendConnectError") return "Warn"
  return "Debug"
}

const describe = (error: Described): string => {
  switch (error._tag) {
    case "ProtocolError":
      return error.field === UNEXPECTED_PROXY_HEADER_FIELD
        ? `PROXY protocol mismatch: ${error.message} (set receive_proxy_protocol = true if a load balancer sends it)`
        : `closed: bad data from the client (${error.message})`
    case "ClientClosed":
      return error.message
    default:
      return `closed: ${error.message}`
  }
}
