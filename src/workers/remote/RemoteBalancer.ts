/**
 * `Balancer` in a worker thread: the coordinator's Balancer decides, for every worker at once
 * (round robin turns, least players and connections, health), and the worker dials.
 *
 * `connect` runs the coordinator's own `Balancer.connect`, whose dial step is a request back to
 * this worker (`dial`): the connection's fiber receives each candidate on its lease's queue,
 * dials it in a child scope of its own Scope (closed at once when the attempt fails, exactly
 * as Balancer.tryInOrder does) and reports the outcome. The coordinator therefore counts the
 * attempt, marks health, logs the failure and picks the next candidate with the same code as
 * in one process, while the backend socket never leaves the worker. The first dial that works
 * is the one Balancer.connect keeps, so the worker goes on at once (its next request travels
 * with the dial's answer). The lease (the connection's count against its backend) is released
 * when the caller's Scope closes.
 *
 * A server with one backend has nothing to choose: the worker dials it at once and sends the
 * outcome (`backendDialed`) without waiting; the coordinator runs the same Balancer.connect over
 * it, so counts, health and the failure's log line and metric are as above (its span is the
 * worker's: the coordinator's bookkeeping makes none).
 */
import { Cause, Deferred, Effect, Exit, Layer, Option, Queue, Scope } from "effect"
import type { BackendConnectError } from "../../backend/BackendDialer.ts"
import { Balancer, soleBackend } from "../../backend/Balancer.ts"
import type { LoadedServer } from "../../config/ConfigLoader.ts"
import type { BackendTarget } from "../../config/ServerConfig.ts"
import { traced } from "../../observability/Tracing.ts"
import { type LeaseEvent, WorkerChannel } from "../WorkerChannel.ts"

type Dial<A> = (target: BackendTarget) => Effect.Effect<A, BackendConnectError, Scope.Scope>

export const layer: Layer.Layer<Balancer, never, WorkerChannel> = Layer.effect(
  Balancer,
  Effect.gen(function*() {
    const channel = yield* WorkerChannel
    const { link } = channel
    /** Leases of logins whose single backend the worker dialled itself. */
    const dialedAlone = new Map<number, true>()

    /** One dial asked for by the coordinator, run by the connection's fiber. */
    const attempt = <A>(parent: Scope.Scope, dial: Dial<A>, target: BackendTarget) =>
      Effect.gen(function*() {
        const scope = yield* Scope.fork(parent)
        const result = yield* Effect.exit(Scope.provide(scope)(dial(target)))
        if (Exit.isFailure(result)) yield* Scope.close(scope, Exit.void)
        return result
      })

    /**
     * One backend: nothing to choose, so the worker dials at once and tells the coordinator the
     * outcome without waiting (`backendDialed`); its Balancer.connect counts it as if it had
     * asked for the dial.
     */
    const connectOnly = <A>(server: LoadedServer, target: BackendTarget, dial: Dial<A>) =>
      Effect.gen(function*() {
        const lease = yield* channel.openLease(dialedAlone, true)
        const result = yield* attempt(yield* Scope.Scope, dial, target)
        const failure = Exit.isFailure(result) ? Cause.findErrorOption(result.cause) : Option.none()
        link.cast("backendDialed", {
          lease,
          server: server.id,
          target: target.text,
          failure: Exit.isSuccess(result)
            ? undefined
            : Option.isSome(failure)
            ? { reason: failure.value.reason, detail: failure.value.detail }
            : { reason: "error", detail: "the dial was interrupted" }
        })
        return Exit.isSuccess(result) ? Option.some(result.value) : Option.none()
      }).pipe(traced("Balancer.connect"))

    const connect = <A>(server: LoadedServer, dial: Dial<A>): Effect.Effect<Option.Option<A>, never, Scope.Scope> => {
      const only = soleBackend(server)
      return only !== undefined ? connectOnly(server, only, dial) : connectAsking(server, dial)
    }

    const connectAsking = <A>(server: LoadedServer, dial: Dial<A>): Effect.Effect<Option.Option<A>, never, Scope.Scope> =>
      Effect.gen(function*() {
        const parent = yield* Scope.Scope
        const events = yield* Queue.unbounded<LeaseEvent>()
        // Runs after the lease's own release (finalizers run in reverse): once no new dial can
        // be queued, the dials still queued will never run, so their requests are answered as
        // abandoned.
        yield* Effect.addFinalizer(() =>
          Effect.gen(function*() {
            for (const event of yield* Queue.clear(events)) {
              if (event._tag === "Dial") yield* Deferred.interrupt(event.job.done)
            }
            yield* Queue.shutdown(events)
          })
        )
        const lease = yield* channel.openLease(channel.dialing, events)
        yield* link.call("balancer.connect", { lease, server: server.id }).pipe(
          // A link that closed (the worker is stopping) ends the login like "no backend".
          Effect.exit,
          Effect.flatMap((exit) =>
            Queue.offer(events, { _tag: "Connected", target: Exit.isSuccess(exit) ? exit.value : undefined })
          ),
          Effect.forkScoped
        )
        for (;;) {
          const event = yield* Queue.take(events)
          // Every candidate failed (or the coordinator no longer knows the server).
          if (event._tag === "Connected") return Option.none()
          const { done, target } = event.job
          const result = yield* attempt(parent, dial, target).pipe(
            Effect.onInterrupt(() => Deferred.interrupt(done))
          )
          yield* Deferred.done(done, Exit.asVoid(result))
          if (Exit.isSuccess(result)) {
            // The first attempt that works is the one Balancer.connect keeps: no need to wait
            // for its answer (the coordinator does its bookkeeping meanwhile).
            channel.dialing.delete(lease)
            return Option.some(result.value)
          }
        }
      })

    const byId = (server: LoadedServer) => server.id
    return Balancer.of({
      candidates: (server) => link.call("balancer.candidates", byId(server)),
      statusCandidates: (server) => link.call("balancer.statusCandidates", byId(server)),
      report: (server, target, ok) => link.call("balancer.report", { server: server.id, target: target.text, ok }),
      connect,
      backends: () => link.call("balancer.backends", undefined)
    })
  })
)
