/**
 * The admin API's live side: statistics, the recent-activity list, the charts' history, and the
 * two server-sent event streams (events and logs).
 *
 * - Each event-stream client gets its own bus subscription (EventBus.subscribe): its own
 *   bounded queue, so a slow reader loses events — and is told so with a `lagged` event carrying
 *   the count — without slowing the proxy or the other readers. Stats ticks every 5 s and a
 *   keep-alive comment every 15 s ride on the same stream.
 * - One background subscription keeps the last 100 activity items and counts joins for the
 *   charts: one sample every 5 s, the last hour kept.
 * - The subscription is taken before the response starts: a client that has the headers has
 *   every event from then on.
 */
import { Clock, Context, Duration, Effect, Exit, Layer, Queue, Scope, Stream } from "effect"
import { HttpServerResponse } from "effect/http"
import { EventBus } from "../event/EventBus.ts"
import type { LogRing } from "../observability/LogRing.ts"
import { levelRank, matches } from "../observability/LogRing.ts"
import { Sessions } from "../session/Sessions.ts"
import { AdminActions } from "./AdminActions.ts"
import type { Activity, ServerHealth, Stats, StatsSample } from "./ApiModels.ts"
import { comment, frame, toSse } from "./EventStream.ts"
import { healthOf, serverOfSession } from "./Views.ts"

const RECENT_ACTIVITY = 100
export const STATS_INTERVAL = Duration.seconds(5)
const HISTORY_SAMPLES = 720 // one hour of 5 s samples
const KEEPALIVE = Duration.seconds(15)
/** Events one stream client may be behind before it loses some. */
const CLIENT_BUFFER = 256

const SSE_HEADERS = { "cache-control": "no-cache", "x-accel-buffering": "no" }

export interface AdminFeedOptions {
  /** The log lines of the process; absent = the log endpoints answer 503. */
  readonly logRing?: LogRing | undefined
  /** Start of the proxy (epoch ms). */
  readonly startedAt: number
}

const pushBounded = <A>(list: Array<A>, item: A, max: number) => {
  list.push(item)
  if (list.length > max) list.splice(0, list.length - max)
}

const make = (options: AdminFeedOptions) =>
  Effect.gen(function*() {
    const bus = yield* EventBus
    const actions = yield* AdminActions
    const sessions = yield* Sessions
    const activity: Array<Activity> = []
    const history: Array<StatsSample> = []
    const healthCache = new Map<string, ServerHealth>()
    let joins = 0

    const iso = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms).toISOString())

    const stats: Effect.Effect<Stats> = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      const list = yield* sessions.list
      const servers = yield* actions.servers
      const bans = yield* actions.bans
      const playersByServer: Record<string, number> = {}
      for (const s of list) {
        const server = serverOfSession(s)
        if (server !== null) playersByServer[server] = (playersByServer[server] ?? 0) + 1
      }
      const byState: Record<string, number> = {}
      for (const s of servers) {
        const health = healthOf(s.backends)
        const state = s.state ?? (health === "up" ? "online" : health === "down" ? "offline" : "unknown")
        byState[state] = (byState[state] ?? 0) + 1
      }
      return {
        players_online: list.length,
        servers_total: servers.length,
        servers_online: byState["online"] ?? 0,
        servers_sleeping: byState["sleeping"] ?? 0,
        servers_offline: (byState["offline"] ?? 0) + (byState["crashed"] ?? 0),
        bans_active: bans.length,
        uptime_seconds: Math.floor((now - options.startedAt) / 1000),
        memory_rss_bytes: process.memoryUsage.rss(),
        players_by_server: playersByServer,
        servers_by_state: byState
      }
    })

    // Activity and join counts, from one subscription of our own.
    const feed = yield* bus.subscribe()
    yield* Effect.gen(function*() {
      const event = yield* feed.take
      const sse = toSse(event, yield* iso)
      if (sse === undefined) return
      if (sse.name === "player.join") joins++
      pushBounded(activity, { type: sse.name, summary: sse.summary, timestamp: sse.data["timestamp"] as string }, RECENT_ACTIVITY)
    }).pipe(Effect.forever, Effect.forkScoped)
    yield* Effect.gen(function*() {
      yield* Effect.sleep(STATS_INTERVAL)
      const count = joins
      joins = 0
      pushBounded(history, {
        timestamp: yield* iso,
        players_online: yield* sessions.total,
        connections_per_second: count / Duration.toSeconds(STATS_INTERVAL)
      }, HISTORY_SAMPLES)
    }).pipe(Effect.forever, Effect.forkScoped)

    /** A stream whose resources live in `scope`, closed when the client goes away. */
    const sse = (scope: Scope.Closeable, body: Stream.Stream<string>) =>
      HttpServerResponse.stream(
        Stream.concat(Stream.succeed(comment("connected")), body).pipe(
          Stream.encodeText,
          Stream.ensuring(Scope.close(scope, Exit.void))
        ),
        { contentType: "text/event-stream", headers: SSE_HEADERS }
      )

    const keepAlive = Stream.tick(KEEPALIVE).pipe(Stream.drop(1), Stream.map(() => comment("keep-alive")))

    const events = (types: ReadonlySet<string> | undefined) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const subscription = yield* Scope.provide(scope)(bus.subscribe(CLIENT_BUFFER))
        const wanted = (name: string) => types === undefined || types.has(name)
        const fromBus = Stream.fromEffectRepeat(Effect.gen(function*() {
          const event = yield* subscription.take
          const out: Array<string> = []
          // The count first: the client learns it missed events before it sees the next one.
          const missed = subscription.lagged()
          if (missed > 0) out.push(frame("lagged", { missed }))
          const mapped = toSse(event, yield* iso)
          if (mapped !== undefined && wanted(mapped.name)) out.push(frame(mapped.name, { type: mapped.type, data: mapped.data }))
          return out.join("")
        })).pipe(Stream.filter((text) => text !== ""))
        const ticks = Stream.tick(STATS_INTERVAL).pipe(
          Stream.drop(1),
          Stream.filter(() => wanted("stats.tick")),
          Stream.mapEffect(() => Effect.map(Effect.zip(stats, iso), ([s, timestamp]) => frame("stats.tick", { type: "StatsTick", data: { ...s, timestamp } })))
        )
        return sse(scope, Stream.mergeAll([fromBus, ticks, keepAlive], { concurrency: "unbounded" }))
      })

    const logs = (ring: LogRing, minLevel: number, target: string | undefined) =>
      Effect.gen(function*() {
        const scope = yield* Scope.make()
        const subscription = ring.subscribe()
        yield* Scope.addFinalizer(scope, Effect.sync(subscription.close))
        const lines = Stream.callback<string>((queue) =>
          Effect.sync(() => {
            const flush = () => {
              const missed = subscription.lagged()
              if (missed > 0) Queue.offerUnsafe(queue, frame("lagged", { missed }))
              for (const record of subscription.drain()) {
                if (matches(record, minLevel, target)) Queue.offerUnsafe(queue, frame("log", record))
              }
            }
            // Woken synchronously by the logger; the flush runs on the next turn so a burst is one batch.
            let pending = false
            subscription.onLine(() => {
              if (pending) return
              pending = true
              queueMicrotask(() => {
                pending = false
                flush()
              })
            })
          }), { bufferSize: 1024, strategy: "dropping" }
        )
        return sse(scope, Stream.mergeAll([lines, keepAlive], { concurrency: "unbounded" }))
      })

    return {
      stats,
      recent: Effect.sync(() => activity.slice().reverse()),
      history: Effect.sync(() => history.slice()),
      healthCache,
      events,
      logRing: options.logRing,
      logs,
      levelRank
    }
  })

export type AdminFeedShape = Effect.Success<ReturnType<typeof make>>

export class AdminFeed extends Context.Service<AdminFeed, AdminFeedShape>()("infrarust/admin/AdminFeed") {
  static readonly layer = (options: AdminFeedOptions) => Layer.effect(AdminFeed, make(options))
}
