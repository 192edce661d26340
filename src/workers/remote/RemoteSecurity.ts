/**
 * `RateLimiter`, `BanList` and `LogThrottle` in a worker thread, deciding as the coordinator's
 * one instance does: token buckets are per client across all workers (a client cannot get N×
 * its logins by landing on N workers), a ban added anywhere refuses the player on every worker
 * at its next lookup, `bans.json` has one writer, and a throttled warning is said once per
 * window for the whole proxy. The hot path costs no round trip: tokens are taken from the
 * coordinator's buckets in shared memory (security/SharedBucketTable.ts), and ban lookups read
 * this worker's copy of the list while a shared version number says it is current
 * (BanMirror.ts).
 */
import { Clock, Context, Duration, Effect, Layer, Option, SubscriptionRef } from "effect"
import { LogThrottle } from "../../observability/LogThrottle.ts"
import { BanList } from "../../security/BanList.ts"
import { RateLimiter } from "../../security/RateLimiter.ts"
import { sharedRateTables } from "../../security/SharedBucketTable.ts"
import { WorkerChannel } from "../WorkerChannel.ts"

export const layer: Layer.Layer<RateLimiter | BanList | LogThrottle, never, WorkerChannel> = Layer.effectContext(
  Effect.gen(function*() {
    const channel = yield* WorkerChannel
    const { link } = channel
    // Tokens are taken from the coordinator's own buckets in shared memory: exact across
    // every worker, with no round trip; the coordinator sweeps them and writes the summary.
    const local = yield* RateLimiter.make(() => SubscriptionRef.getUnsafe(channel.config).rateLimit, {
      tables: sharedRateTables(channel.data.rates),
      background: false
    })
    const limiter = RateLimiter.of({ ...local, sweep: link.call("rate.sweep", undefined) })
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
