/**
 * One accepted connection, top to bottom, as one scoped fiber:
 *
 *   arrival (PROXY header → IP admission → first packet → route: the ConnectionContext)
 *   → legacy ping | status | login (→ the mode handler, which runs the session)
 *
 * Each stage is its own traced function (`proxy.<stage>`); this file only sequences them, bounds
 * the connections still in their handshake (PendingConnections.ts, with the accept-path gate of
 * ArrivalGate.ts and one summary line a minute), and turns their failures into the right log line.
 * Everything the connection opens (the client socket, the session and its backend leg) belongs to
 * the fiber's Scope, so shutdown, timeouts and kicks are plain interruption and nothing leaks.
 */
import { Cause, Clock, Context, Duration, Effect, Layer, LogLevel, Schedule, Scope, Stream, SubscriptionRef } from "effect"
import { constVoid } from "effect/Function"
import type * as Net from "node:net"
import { ipv6Prefix } from "../address/Cidr.ts"
import { endpointOf, lazyLocalEndpoint } from "../address/Endpoint.ts"
import { normalizeRemoteAddress } from "../address/IpAddress.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { Events } from "../event/EventBus.ts"
import { ProxyModes } from "../mode/ProxyModes.ts"
import { Router } from "../routing/Router.ts"
import { BanList } from "../security/BanList.ts"
import { RateLimiter } from "../security/RateLimiter.ts"
import { StatusService } from "../status/StatusService.ts"
import { observeConnection } from "../observability/ConnectionReport.ts"
import { LogThrottle } from "../observability/LogThrottle.ts"
import { traced, tracingAndNow } from "../observability/Tracing.ts"
import { NextState } from "../protocol/Handshake.ts"
import { countRejection } from "../security/Admission.ts"
import { throttledLevel } from "../security/Refuse.ts"
import type { HandshakeContext } from "../session/ConnectionContext.ts"
import { makeInbound } from "../socket/Inbound.ts"
import type { LegacyContext } from "../status/StatusService.ts"
import { arrive } from "./Arrival.ts"
import { DUPLICATE_PROXY_HEADER_FIELD, LEGACY_LOGIN_FIELD, UNEXPECTED_PROXY_HEADER_FIELD } from "./FirstPacket.ts"
import { answerLegacyPing } from "./LegacyStage.ts"
import { acceptLogin } from "./LoginStage.ts"
import { type GateSettings, makeArrivalGate } from "./ArrivalGate.ts"
import type { Admission } from "./Listener.ts"
import { describePendingCounts, PendingConnections, type PendingEntry } from "./PendingConnections.ts"
import { answerCached, answerStatus } from "./StatusStage.ts"
import { cachedStatusReply, type ShortcutServices } from "./StatusShortcut.ts"
import { makeGateAnswer } from "./GateAnswer.ts"
import { annotateFiberLogs } from "../observability/FiberLogs.ts"

const logAt = (level: LogLevel.Severity, message: string) => Effect.logWithLevel(level)(message)

/** How often the pending bounds' summary line may be written. */
const PENDING_SUMMARY_INTERVAL = Duration.minutes(1)
/** How often the counts are looked at: the first eviction after a quiet minute is said within this. */
const PENDING_CHECK_INTERVAL = Duration.seconds(5)

/** The pending bounds and the first-packet deadline of a config, for the accept path. */
const gateSettings = (config: ProxyConfig): GateSettings => ({
  limits: { maxTotal: config.limits.maxPendingHandshakes, maxPerAddress: config.limits.maxPendingPerAddress },
  firstPacketTimeoutMs: Duration.toMillis(config.limits.firstPacketTimeout),
  // Behind a PROXY-protocol load balancer every peer is the balancer: the client is known later.
  keyOf: config.receiveProxyProtocol
    ? () => undefined
    : (socket) => ipv6Prefix(normalizeRemoteAddress(socket.remoteAddress ?? "?"), config.rateLimit.ipv6Prefix)
})

export class ConnectionHandler extends Context.Service<ConnectionHandler, {
  readonly handle: (socket: Net.Socket) => Effect.Effect<void>
  /** For the listener: pending bounds and the first-packet wait, before `handle` runs. */
  readonly admission: Admission
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
      const shortcut: ShortcutServices = {
        router: Context.get(services, Router),
        rateLimiter: Context.get(services, RateLimiter),
        bans: Context.get(services, BanList),
        status: Context.get(services, StatusService),
        events: Context.get(services, Events)
      }
      const pending = new PendingConnections()
      const throttle = yield* LogThrottle
      // The accept path is plain code: it reads the settings of the latest config from here.
      let latest = yield* SubscriptionRef.get(store.config)
      let settings = gateSettings(latest)
      yield* SubscriptionRef.changes(store.config).pipe(
        Stream.runForEach((config) => Effect.sync(() => (latest = config, settings = gateSettings(config)))),
        Effect.forkScoped
      )
      const admission = makeArrivalGate(pending, () => settings, makeGateAnswer(shortcut, pending, () => latest, services as Context.Context<never>))
      let lastSummary = Number.NEGATIVE_INFINITY
      yield* Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        if (now - lastSummary < Duration.toMillis(PENDING_SUMMARY_INTERVAL)) return
        const counts = pending.takeCounts()
        const config = yield* SubscriptionRef.get(store.config)
        const line = describePendingCounts(counts, {
          ...settings.limits,
          firstPacketTimeout: Duration.format(config.limits.firstPacketTimeout)
        })
        if (line === undefined) return
        lastSummary = now
        yield* countRejection("pending_limit", counts.perAddress + counts.total + counts.maxConnections + counts.silent + counts.refused)
        yield* Effect.logInfo(line)
      }).pipe(Effect.repeat(Schedule.spaced(PENDING_CHECK_INTERVAL)), Effect.delay(PENDING_CHECK_INTERVAL), Effect.forkScoped)

      const connection = Effect.fnUntraced(function*(socket: Net.Socket) {
        // Finalizers here outlive the stages (they run when the session ends): registered on the
        // scope directly, they keep no copy of the fiber's context alive for hours.
        const scope = yield* Scope.Scope
        // Entered on accept (ArrivalGate.ts); a socket handed over without the gate enters now.
        const entry = pending.entryOf(socket) ??
          pending.enter(socket, settings.keyOf(socket), settings.limits)
        // One finalizer for both: the pending slot is left (if the stages have not), then the socket closed.
        yield* Scope.addFinalizerExit(scope, leaveAndClose(pending, entry, socket))
        const leavePending = Effect.sync(() => pending.leave(entry))
        // Stages attach their own listeners; this one only keeps a reset from being unhandled.
        // `constVoid`, not a closure made here: that would keep this whole frame alive for the session.
        socket.on("error", constVoid)
        const config = yield* SubscriptionRef.get(store.config)
        const peer = endpointOf(socket.remoteAddress, socket.remotePort)
        const inbound = makeInbound(socket, entry.held)
        entry.held = undefined
        const { context, now, tracing } = yield* tracingAndNow
        // The arrival gate may have looked already (GateAnswer.ts; null: not a cached ping).
        const looked = entry.shortcut
        entry.shortcut = undefined
        const cached = looked === undefined
          ? (tracing ? undefined : cachedStatusReply(shortcut, inbound.pending, peer.address, config, now, context))
          : looked ?? undefined
        if (cached !== undefined) {
          inbound.pending = inbound.pending.subarray(cached.consumed)
          return yield* answerCached(inbound, cached, peer.address)
        }
        const local = lazyLocalEndpoint(socket)
        yield* annotateFiberLogs({ client: peer.address })

        const identify = (client: string) => pending.identify(entry, ipv6Prefix(client, config.rateLimit.ipv6Prefix), config.limits.maxPendingPerAddress)
        const ctx = yield* arrive(inbound, peer, local, config, identify)
        if (ctx === undefined) return
        if (ctx.opening._tag === "LegacyPing") return yield* answerLegacyPing(ctx as LegacyContext, socket)
        const handshakeCtx = ctx as HandshakeContext
        if (ctx.opening.handshake.nextState === NextState.Status) return yield* answerStatus(handshakeCtx, inbound)
        // A login is returned, not run from here: this frame is not kept alive for a whole session.
        return acceptLogin(handshakeCtx, { socket, inbound }, leavePending)
      }, Effect.flatMap((next) => (Effect.isEffect(next) ? next : Effect.void)))

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
            Effect.flatMap(throttledLevel(throttle, levelOf(error), socket.remoteAddress, kindOf(error)), (level) => logAt(level, describe(error)))),
          inSpan,
          reportDefects,
          Effect.scoped,
          withServices
        )
      return ConnectionHandler.of({ handle, admission, context: services as Context.Context<never> })
    })
  )
}

/**
 * The connection's last finalizer, made outside the connection's frame so that it keeps only
 * these three alive for the session; as a function, its Effect is built only when it runs.
 */
const leaveAndClose = (pending: PendingConnections, entry: PendingEntry, socket: Net.Socket) => () =>
  Effect.sync(() => (pending.leave(entry), socket.destroy()))

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
  if (error._tag === "ProtocolError" && (error.field === UNEXPECTED_PROXY_HEADER_FIELD || error.field === DUPLICATE_PROXY_HEADER_FIELD)) return "Warn"
  // Debug, not Info: one random first byte of 0x02 looks like a pre-1.7 login, so a garbage
  // flood would otherwise write an Info line per 256 connections.
  if (error._tag === "ProtocolError" && error.field === LEGACY_LOGIN_FIELD) return "Debug"
  if (error._tag === "BackendConnectError") return "Warn"
  return "Debug"
}

/** What the log throttle counts these lines as (a fixed word, never client text). */
const kindOf = (error: Described): string =>
  error.field === UNEXPECTED_PROXY_HEADER_FIELD || error.field === DUPLICATE_PROXY_HEADER_FIELD
    ? "PROXY protocol mismatch"
    : error.field === undefined ? error._tag : `${error._tag} ${error.field}`

const describe = (error: Described): string => {
  switch (error._tag) {
    case "ProtocolError":
      return error.field === UNEXPECTED_PROXY_HEADER_FIELD
        ? `PROXY protocol mismatch: ${error.message} (set receive_proxy_protocol = true if a load balancer sends it)`
        : error.field === DUPLICATE_PROXY_HEADER_FIELD
        ? `PROXY protocol mismatch: ${error.message}`
        : `closed: bad data from the client (${error.message})`
    case "ClientClosed":
      return error.message
    default:
      return `closed: ${error.message}`
  }
}
