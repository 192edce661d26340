/**
 * The coordinator's side of the RPC surface (Ops.ts): each operation a worker may ask for,
 * answered by the coordinator's one instance of the service, so every worker sees the same
 * buckets, bans, sessions, balancer state and status cache.
 *
 * Leases (`sessions.register`, `balancer.connect`) run in a holder fiber of their own, in the
 * worker's scope: it acquires what the connection holds (the session entry, the backend
 * connection count) in its Scope, answers the request, and waits until the worker releases the
 * lease, the worker exits (its scope closes), or the coordinator's Sessions.kick interrupts it —
 * which is then passed on to the worker as `kick`.
 */
import { Cause, Clock, type Context, Deferred, Duration, Effect, Exit, type Fiber, Option, type Scope, SubscriptionRef } from "effect"
import { BackendConnectError } from "../backend/BackendDialer.ts"
import { Balancer, soleBackend } from "../backend/Balancer.ts"
import { Commands } from "../command/Commands.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import type { BackendTarget } from "../config/ServerConfig.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { LogThrottle } from "../observability/LogThrottle.ts"
import { tagged, workerRequests } from "../observability/Metrics.ts"
import { Router } from "../routing/Router.ts"
import { BanList } from "../security/BanList.ts"
import { RateLimiter } from "../security/RateLimiter.ts"
import { Events } from "../event/EventBus.ts"
import type { AwaitedTag, EventOf, ResultOf } from "../event/ProxyEvent.ts"
import type { Opening } from "../session/ConnectionContext.ts"
import type { PlayerAction } from "../session/PlayerAction.ts"
import type { SessionInfo, SessionInit, SessionState } from "../session/Session.ts"
import { ServerWake } from "../server-manager/ServerWake.ts"
import { Sessions } from "../session/Sessions.ts"
import { StatusService } from "../status/StatusService.ts"
import type { Handlers, Link, OpTable } from "./Link.ts"
import type { CoordinatorCasts, ToCoordinator, ToWorker, WireContext, WorkerCasts } from "./Ops.ts"
import { decodeContext } from "./Wire.ts"

/** What the coordinator serves workers from. */
export type CoordinatorServices =
  | ProxyConfigStore
  | ServersDirectory
  | Router
  | Sessions
  | Balancer
  | StatusService
  | RateLimiter
  | BanList
  | LogThrottle
  | Events
  | ServerWake
  | Commands

interface Lease {
  fiber: Fiber.Fiber<unknown, unknown> | undefined
  released: boolean
}

/** The coordinator's record of one worker, as the operations need it. */
export interface Peer {
  readonly index: number
  readonly link: Link<ToWorker, CoordinatorCasts>
  readonly leases: Map<number, Lease>
  /** False once the worker exited: nothing is sent to it any more. */
  alive: boolean
  /** Runs a lease holder in the worker's scope. */
  readonly runHolder: (effect: Effect.Effect<void, never, Scope.Scope>) => Fiber.Fiber<void>
}

/** The worker released `id` (its connection's scope closed). */
export const releaseLease = (peer: Peer, id: number): void => {
  const lease = peer.leases.get(id)
  if (lease === undefined) return
  peer.leases.delete(id)
  lease.released = true
  lease.fiber?.interruptUnsafe()
}

/**
 * Holds lease `id` for `peer`: `body` acquires in its Scope, calls `reply` with the answer,
 * then keeps what it acquired by never returning (or returns when there is nothing to keep).
 */
const hold = <A>(peer: Peer, id: number, body: (reply: (a: A) => void) => Effect.Effect<void, never, Scope.Scope>) =>
  Effect.withFiber((fiber) => {
    // The holder is a fiber of its own: it keeps the request's span (the worker's trace).
    const span = fiber.cache.span
    const answer = Deferred.makeUnsafe<A>()
    const reply = (a: A) => {
      Deferred.doneUnsafe(answer, Effect.succeed(a))
    }
    // In the table before the holder starts: it may finish before `runHolder` returns.
    const lease: Lease = { fiber: undefined, released: false }
    peer.leases.set(id, lease)
    const traced = span === undefined ? body(reply) : Effect.withParentSpan(body(reply), span)
    const holder = traced.pipe(
      Effect.onExit((exit) =>
        Effect.sync(() => {
          if (peer.leases.get(id) === lease) peer.leases.delete(id)
          // Interrupted by neither a release nor the worker's exit: Sessions.kick.
          if (Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause) && !lease.released && peer.alive) {
            peer.link.cast("kick", id)
          }
          Deferred.doneUnsafe(answer, Effect.interrupt)
        })
      )
    )
    lease.fiber = peer.runHolder(holder)
    return Deferred.await(answer)
  })

export const makeOps = Effect.fnUntraced(function*(peer: Peer) {
  const store = yield* ProxyConfigStore
  const directory = yield* ServersDirectory
  const router = yield* Router
  const sessions = yield* Sessions
  const balancer = yield* Balancer
  const wake = yield* ServerWake
  const status = yield* StatusService
  const limiter = yield* RateLimiter
  const bans = yield* BanList
  const throttle = yield* LogThrottle
  const events = yield* Events
  const commands = yield* Commands

  const serverById = (id: string): Effect.Effect<LoadedServer | undefined> =>
    Effect.map(SubscriptionRef.get(router.table), (table) => table.byId.get(id)?.value)
  const withServer = <A>(id: string, orElse: A, f: (server: LoadedServer) => Effect.Effect<A>) =>
    Effect.flatMap(serverById(id), (server) => (server === undefined ? Effect.succeed(orElse) : f(server)))

  /** A worker's connection context with the coordinator's own route and config. */
  const routed = <O extends Opening>(wire: WireContext<O>) =>
    Effect.zipWith(SubscriptionRef.get(router.table), SubscriptionRef.get(store.config), (table, config) =>
      decodeContext(table, config, wire))

  /**
   * The dial step of Balancer.connect, done by the worker. An abandoned dial (the worker's
   * login is gone) ends the holder; it is not a backend failure.
   */
  const remoteDial = (lease: number) => (target: BackendTarget) =>
    peer.link.call("dial", { lease, target }).pipe(
      Effect.as(target),
      Effect.catchDefect(() => Effect.interrupt)
    )

  /** Registers a worker's session under `lease` and holds it until the lease is released. */
  const openSession = (
    lease: number,
    init: SessionInit,
    state: SessionState,
    maxPlayers: number,
    actor: boolean,
    named: { readonly id: number; readonly startedAt: number } | undefined
  ) =>
    hold(peer, lease, (reply: (info: SessionInfo | undefined) => void) =>
      Effect.gen(function*() {
        const remote = actor ? { act: (action: PlayerAction) => peer.link.call("act", { lease, action }).pipe(Effect.catchDefect(() => Effect.succeed(false))) } : undefined
        const added = yield* sessions.open(init, state, maxPlayers, remote, named)
        reply(Option.getOrUndefined(added))
        if (Option.isSome(added)) yield* Effect.never
      }))

  const handlers: Handlers<ToCoordinator, never> = {
    "bans.find": (lookup) => Effect.map(bans.find(lookup), Option.getOrUndefined),
    "bans.add": (input) =>
      bans.add({
        target: input.target,
        reason: input.reason,
        duration: input.durationMs === undefined ? undefined : Duration.millis(input.durationMs),
        source: input.source
      }),
    "bans.remove": ({ source, target }) => bans.remove(target, source),
    "bans.list": () => bans.list,
    "bans.audit": () => bans.auditLog,
    "bans.purge": () => bans.purgeExpired,
    "bans.reload": () => bans.reload,
    "bans.path": () => bans.path,
    "rate.sweep": () => limiter.sweep,
    "throttle.level": ({ loud, subject }) => throttle.level(subject, loud),
    "sessions.count": (q) =>
      q.server !== undefined
        ? sessions.countForServer(q.server)
        : q.backend !== undefined
        ? sessions.countForBackend(q.backend)
        : sessions.total,
    "sessions.list": () => sessions.list,
    "sessions.kick": ({ id, reason }) => sessions.kick(id, reason),
    "sessions.act": ({ action, id }) => sessions.act(id, action),
    "sessions.open": ({ actor, init, lease, maxPlayers, state }) => openSession(lease, init, state, maxPlayers, actor, undefined),
    "sessions.transition": ({ id, maxPlayers, state }) => sessions.transition(id, state, maxPlayers),
    "sessions.find": (q) =>
      Effect.map(
        q.id !== undefined ? sessions.get(q.id) : q.name !== undefined ? sessions.findByName(q.name) : sessions.findByUuid(q.uuid ?? ""),
        Option.getOrUndefined
      ),
    "events.fire": ({ event, initial }) => events.fire(event as EventOf<AwaitedTag>, initial as ResultOf<AwaitedTag>),
    "commands.run": ({ caller, line }) => commands.run(caller, line),
    "commands.complete": ({ caller, line }) => commands.complete(caller, line),
    "commands.announcement": (caller) => commands.announcement(caller),
    "balancer.candidates": (id) => withServer(id, [], (server) => balancer.candidates(server)),
    "balancer.statusCandidates": (id) => withServer(id, [], (server) => balancer.statusCandidates(server)),
    "balancer.report": ({ ok, server: id, target }) =>
      withServer(id, undefined, (server) => {
        const backend = server.config.addresses.find((t) => t.text === target)
        return backend === undefined ? Effect.void : balancer.report(server, backend, ok)
      }),
    "balancer.connect": ({ lease, server: id }) =>
      hold(peer, lease, (reply: (target: BackendTarget | undefined) => void) =>
        Effect.gen(function*() {
          // Gone from the coordinator's table since the worker routed: as if no backend answered.
          const server = yield* serverById(id)
          if (server === undefined) return reply(undefined)
          const connected = yield* balancer.connect(server, remoteDial(lease))
          reply(Option.getOrUndefined(connected))
          if (Option.isSome(connected)) yield* Effect.never
        })),
    "balancer.backends": () => balancer.backends(),
    "manager.ensureStarted": (id) => wake.ensureStarted(id),
    "status.respond": (wire) =>
      Effect.flatMap(routed(wire), (ctx) =>
        Effect.flatMap(status.respond(ctx), (json) =>
          Effect.map(Clock.currentTimeMillis, (now) => ({
            json,
            freshSince: ctx.route === undefined ? undefined : status.freshSince?.(ctx.route, ctx.config, ctx.protocolVersion, now)
          })))),
    "status.respondWithoutBackend": (wire) =>
      Effect.map(Effect.flatMap(routed(wire), status.respondWithoutBackend), Option.getOrUndefined),
    "status.respondLegacy": (wire) => Effect.flatMap(routed(wire), status.respondLegacy),
    "status.respondLegacyWithoutBackend": (wire) =>
      Effect.map(Effect.flatMap(routed(wire), status.respondLegacyWithoutBackend), Option.getOrUndefined),
    "config.reload": () => store.reload,
    "servers.reload": () => directory.reload
  }
  const context = yield* Effect.context<never>()
  const runFork = Effect.runForkWith(context)
  /** Session news a worker sends without waiting (Ops.ts `WorkerCasts`). */
  const casts = {
    // Started at once, so the lease is known before a release in the same batch is read.
    sessionOpened: ({ actor, info, lease }: WorkerCasts["sessionOpened"]) => {
      const { id, lastServer: _, startedAt, state, ...init } = info
      runFork(openSession(lease, init, state, 0, actor, { id, startedAt }))
    },
    sessionState: ({ id, state }: WorkerCasts["sessionState"]) => {
      runFork(sessions.transition(id, state, 0))
    },
    backendDialed: ({ failure, lease, server: id, target }: WorkerCasts["backendDialed"]) => {
      runFork(hold(peer, lease, (reply: (a: undefined) => void) =>
        Effect.gen(function*() {
          const server = yield* serverById(id)
          // The server changed since the worker routed (a reload): nothing of this dial to count.
          if (server === undefined || soleBackend(server)?.text !== target) return reply(undefined)
          // The login's trace has the worker's span for this; a cast carries no trace to join.
          const connected = yield* balancer.connect(server, () =>
            failure === undefined ? Effect.void : Effect.fail(new BackendConnectError({ address: target, ...failure }))).pipe(
              Effect.withTracerEnabled(false)
            )
          reply(undefined)
          if (Option.isSome(connected)) yield* Effect.never
        })))
    }
  }
  return { handlers: countRequests(handlers, context), casts }
})

/** Every request counted by operation (`infrarust.worker.requests`): where the workers' thread hops go. */
const countRequests = <T extends OpTable>(handlers: Handlers<T, never>, context: Context.Context<never>): Handlers<T, never> =>
  Object.fromEntries(
    Object.entries(handlers).map(([op, handler]) => {
      const counter = tagged(workerRequests, { op })
      return [op, (payload: unknown) => (counter.updateUnsafe(1, context), handler(payload))]
    })
  ) as Handlers<T, never>
