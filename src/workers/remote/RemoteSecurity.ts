/**
 * `RateLimiter`, `BanList` and `LogThrottle` in a worker thread: every call is answered by the
 * coordinator's one instance, so token buckets are per client across all workers (a client
 * cannot get N× its logins by landing on N workers; a bucket that is off is not asked), a ban added anywhere refuses the player
 * on every worker at its next lookup, `bans.json` has one writer, and a throttled warning is
 * said once per window for the whole proxy. Ban lookups are the exception that costs no round
 * trip: they read this worker's copy of the list while a shared version number says it is
 * current (BanMirror.ts).
 */
import { Clock, Context, Duration, Effect, Layer, Option, SubscriptionRef } from "effect"
import { LogThrottle } from "../../observability/LogThrottle.ts"
import { BanList } from "../../security/BanList.ts"
import { allowed, limitOf, RateLimiter } from "../../security/RateLimiter.ts"
import { WorkerChannel } from "../WorkerChannel.ts"

export const layer: Layer.Layer<RateLimiter | BanList | LogThrottle, never, WorkerChannel> = Layer.effectContext(
  Effect.gen(function*() {
    const channel = yield* WorkerChannel
    const { link } = channel
    const limiter = RateLimiter.of({
      // A bucket that is off (the default) allows everything: no need to ask.
      check: (kind, client) =>
        Effect.flatMap(SubscriptionRef.get(channel.config), (config) =>
          limitOf(kind, config.rateLimit) === 0 ? Effect.succeed(allowed) : link.call("rate.check", { kind, client })),
      tracked: link.call("rate.tracked", undefined),
      sweep: link.call("rate.sweep", undefined)
    })
    const bans = BanList.of({
      add: (input) =>
        link.call("bans.add", {
          target: input.target,
          reason: input.reason,
          durationMs: input.duration === undefined ? undefined : Duration.toMillis(input.duration),
          source: input.source
        }),
      remove: (target, source) => link.call("bans.remove", { target, source }),
      list: link.call("bans.list", undefined),
      auditLog: link.call("bans.audit", undefined),
      // From this worker's copy while it is the current list (BanMirror.ts), else asked.
      find: (lookup) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const local = channel.bans.lookup(lookup, now)
          return local === "stale"
            ? Effect.map(link.call("bans.find", lookup), Option.fromUndefinedOr)
            : Effect.succeed(Option.fromUndefinedOr(local))
        }),
      findNow: (lookup, now) => channel.bans.lookup(lookup, now),
      purgeExpired: link.call("bans.purge", undefined),
      reload: link.call("bans.reload", undefined),
      path: link.call("bans.path", undefined)
    })
    const throttle = LogThrottle.of({
      level: (subject, loud) => link.call("throttle.level", { subject, loud }),
      // The coordinator's throttle counts for every worker and writes the summaries.
      flush: Effect.void
    })
    return Context.make(RateLimiter, limiter).pipe(Context.add(BanList, bans), Context.add(LogThrottle, throttle))
  })
)
