/**
 * Bytes relayed by live sessions, published to `infrarust.bytes.relayed` {server, direction}.
 *
 * The relay never reports per chunk: the kernel-side byte counters of its sockets are read
 * through the session's meter (relay/Relay.ts `RelayMeter`) every {@link PUBLISH_INTERVAL},
 * when the Prometheus endpoint is scraped, and once more when the session ends — so a
 * long session shows up while it runs and the final count is exact.
 */
import { Context, Duration, Effect, Layer, Metric, Scope } from "effect"
import { bytesRelayed, taggedBy } from "./Metrics.ts"

/** What a relay exposes: its byte counts so far (see relay/Relay.ts `RelayMeter`). */
export interface ByteMeter {
  readonly bytes: () => { readonly c2b: number; readonly b2c: number }
}

export const PUBLISH_INTERVAL = Duration.seconds(5)

interface Live {
  readonly meter: ByteMeter
  readonly c2bCounter: Metric.Metric<number, Metric.CounterState<number>>
  readonly b2cCounter: Metric.Metric<number, Metric.CounterState<number>>
  c2b: number
  b2c: number
}

/** The two directions' counters of a server, found by its id (one map lookup per session). */
const c2bOf = taggedBy(bytesRelayed, "server", { direction: "c2b" })
const b2cOf = taggedBy(bytesRelayed, "server", { direction: "b2c" })

const publishOne = (entry: Live): Effect.Effect<void> =>
  Effect.suspend(() => {
    const { b2c, c2b } = entry.meter.bytes()
    const dc2b = c2b - entry.c2b
    const db2c = b2c - entry.b2c
    entry.c2b = Math.max(entry.c2b, c2b)
    entry.b2c = Math.max(entry.b2c, b2c)
    if (dc2b <= 0 && db2c <= 0) return Effect.void
    return Effect.andThen(
      dc2b > 0 ? Metric.update(entry.c2bCounter, dc2b) : Effect.void,
      db2c > 0 ? Metric.update(entry.b2cCounter, db2c) : Effect.void
    )
  })

export class SessionMeters extends Context.Service<SessionMeters, {
  /** Publishes `meter` for `server` until the current Scope closes (with a final publish then). */
  readonly track: (server: string, meter: ByteMeter) => Effect.Effect<void, never, Scope.Scope>
  /** Publishes what every live session relayed since the last call. */
  readonly publish: Effect.Effect<void>
}>()("infrarust/observability/SessionMeters") {
  static readonly layer = Layer.effect(
    SessionMeters,
    Effect.gen(function*() {
      const live = new Set<Live>()
      const publish = Effect.suspend(() => Effect.forEach(Array.from(live), publishOne, { discard: true }))
      yield* Effect.sleep(PUBLISH_INTERVAL).pipe(Effect.andThen(publish), Effect.forever, Effect.forkScoped)
      return SessionMeters.of({
        track: (server, meter) =>
          // On the scope itself (not `acquireRelease`): the release keeps no copy of the
          // session fiber's context alive while the session runs. Registered before the entry
          // exists, so no interruption can fall between the two.
          Effect.flatMap(Scope.Scope, (scope) => {
            let entry: Live | undefined
            // Called when the scope closes, so the removal happens then, as the last publish does.
            const release = () => {
              if (entry === undefined) return Effect.void
              live.delete(entry)
              return publishOne(entry)
            }
            return Effect.andThen(
              Scope.addFinalizerExit(scope, release),
              Effect.sync(() => {
                entry = { meter, c2bCounter: c2bOf(server), b2cCounter: b2cOf(server), c2b: 0, b2c: 0 }
                live.add(entry)
              })
            )
          }),
        publish
      })
    })
  )
}
