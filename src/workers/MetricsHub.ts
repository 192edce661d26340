/**
 * One view of the proxy's metrics when workers run the data plane: the coordinator's own
 * series (status plane, balancer, sessions) and every worker's (connections, handshakes,
 * bytes, rejections), merged into the registry the Prometheus endpoint and the OTLP exporter
 * read.
 *
 * - Workers send a full snapshot of their registry every second, and on demand before a
 *   Prometheus scrape (`flush`), so a scrape is exact, not a second behind.
 * - The exporters read a registry of their own ({@link MetricsHubShape.registry}) in which every
 *   series is registered with a `get` hook that merges, at read time, the coordinator's live
 *   series and the workers' latest snapshots: counters and histograms add up (buckets
 *   pointwise, min of mins, max of maxes), gauges add up (each gauge is updated by one side
 *   only: connections.active by workers, players.online by the coordinator), frequencies add
 *   up per word. Summaries cannot be merged; none is defined.
 * - A worker that exits leaves its counters and histograms behind (folded into a "retired"
 *   source) so totals never go backwards; its gauges go away with its connections.
 */
import { Context, Effect, Layer, Metric, Schedule } from "effect"

type Snapshot = Metric.Metric.Snapshot
type State = Snapshot["state"]

export interface MetricsHubShape {
  /** The registry the exporters read (provide it as their `Metric.MetricRegistry`). */
  readonly registry: Metric.MetricRegistry
  /** Worker `index` sent its current snapshot. */
  readonly update: (index: number, snapshot: ReadonlyArray<Snapshot>) => void
  /** Worker `index` exited: keep its totals, drop its gauges. */
  readonly retire: (index: number) => void
  /** Fresh numbers from every worker (the pool installs it), then the coordinator's new series. */
  readonly flush: Effect.Effect<void>
  /** Set by the worker pool: asks every live worker for a snapshot and waits for them. */
  flushWorkers: Effect.Effect<void>
}

const seriesKey = (id: string, attributes: Metric.Metric.AttributeSet | undefined): string => {
  if (attributes === undefined) return id
  const keys = Object.keys(attributes).sort()
  let key = id
  for (const k of keys) key += `\u0000${k}=${attributes[k]}`
  return key
}

const combine = (type: Snapshot["type"], a: State, b: State): State => {
  switch (type) {
    case "Counter": {
      const x = a as Metric.CounterState<number>
      const y = b as Metric.CounterState<number>
      return { count: x.count + y.count, incremental: x.incremental }
    }
    case "Gauge":
      return { value: (a as Metric.GaugeState<number>).value + (b as Metric.GaugeState<number>).value }
    case "Histogram": {
      const x = a as Metric.HistogramState
      const y = b as Metric.HistogramState
      return {
        buckets: x.buckets.map(([boundary, n], i) => [boundary, n + (y.buckets[i]?.[1] ?? 0)] as [number, number]),
        count: x.count + y.count,
        min: Math.min(x.min, y.min),
        max: Math.max(x.max, y.max),
        sum: x.sum + y.sum
      }
    }
    case "Frequency": {
      const occurrences = new Map((a as Metric.FrequencyState).occurrences)
      for (const [word, n] of (b as Metric.FrequencyState).occurrences) occurrences.set(word, (occurrences.get(word) ?? 0) + n)
      return { occurrences }
    }
    case "Summary":
      return a
  }
}

/**
 * The state of a series no source reports any more (a worker-only gauge once every worker has
 * exited): zero, in the shape of its type, so the exporters can still read it.
 */
const emptyState = (s: Snapshot): State => {
  switch (s.type) {
    case "Counter":
      return { count: 0, incremental: (s.state as Metric.CounterState<number>).incremental }
    case "Gauge":
      return { value: 0 }
    case "Histogram":
      return {
        buckets: (s.state as Metric.HistogramState).buckets.map(([boundary]) => [boundary, 0] as [number, number]),
        count: 0,
        min: Number.MAX_VALUE,
        max: -Number.MAX_VALUE,
        sum: 0
      }
    case "Frequency":
      return { occurrences: new Map() }
    case "Summary":
      return s.state
  }
}

/** A metric object with the series' identity, for `registerUnsafe` (its own state is never used). */
const metricFor = (s: Snapshot): Metric.Metric<any, any> | undefined => {
  const options = { description: s.description, attributes: s.attributes }
  switch (s.type) {
    case "Counter":
      return Metric.counter(s.id, { ...options, incremental: (s.state as Metric.CounterState<number>).incremental })
    case "Gauge":
      return Metric.gauge(s.id, options)
    case "Histogram":
      return Metric.histogram(s.id, {
        ...options,
        boundaries: (s.state as Metric.HistogramState).buckets.map(([b]) => b).filter(Number.isFinite)
      })
    case "Frequency":
      return Metric.frequency(s.id, options)
    case "Summary":
      return undefined
  }
}

/** How often the coordinator's own new series are looked for (workers' arrive with their snapshots). */
const REFRESH_INTERVAL = "1 second"

export class MetricsHub extends Context.Service<MetricsHub, MetricsHubShape>()("infrarust/workers/MetricsHub") {
  static readonly layer = Layer.effect(
    MetricsHub,
    Effect.gen(function*() {
      // The coordinator's own series live in the registry of its context (the default one).
      const localContext = yield* Effect.context<never>()
      const local = Context.get(localContext, Metric.MetricRegistry)
      const registry: Metric.MetricRegistry = new Map()
      const exportContext = Context.make(Metric.MetricRegistry, registry)
      const workers = new Map<number, Map<string, Snapshot>>()
      const retired = new Map<string, Snapshot>()
      /** Our key → the coordinator's series (its registry uses keys of its own). */
      let localSeries = new Map<string, Metric.Metric.Metadata<any, any>>()
      const registered = new Set<string>()

      /** The merged state of series `key`, first seen as `first`. */
      const merged = (key: string, first: Snapshot) => {
        const empty = emptyState(first)
        return (): State => {
          let state: State | undefined
          const add = (next: State | undefined) => {
            if (next !== undefined) state = state === undefined ? next : combine(first.type, state, next)
          }
          const own = localSeries.get(key)
          if (own !== undefined) add(own.hooks.get(localContext))
          for (const source of workers.values()) add(source.get(key)?.state)
          add(retired.get(key)?.state)
          return state ?? empty
        }
      }

      const register = (key: string, s: Snapshot) => {
        if (registered.has(key)) return
        const metric = metricFor(s)
        if (metric === undefined) return
        registered.add(key)
        Metric.registerUnsafe(metric, exportContext, { get: merged(key, s), update: () => {}, modify: () => {} })
      }

      const refreshLocal = () => {
        const next = new Map<string, Metric.Metric.Metadata<any, any>>()
        for (const meta of local.values()) {
          const key = seriesKey(meta.id, meta.attributes)
          next.set(key, meta)
          if (!registered.has(key)) {
            register(key, { id: meta.id, type: meta.type, description: meta.description, attributes: meta.attributes, state: meta.hooks.get(localContext) } as Snapshot)
          }
        }
        localSeries = next
      }

      yield* Effect.sync(refreshLocal).pipe(Effect.repeat(Schedule.spaced(REFRESH_INTERVAL)), Effect.forkScoped)

      const hub: MetricsHubShape = {
        registry,
        update: (index, snapshot) => {
          const source = new Map<string, Snapshot>()
          for (const s of snapshot) {
            const key = seriesKey(s.id, s.attributes)
            source.set(key, s)
            register(key, s)
          }
          workers.set(index, source)
        },
        retire: (index) => {
          const source = workers.get(index)
          workers.delete(index)
          if (source === undefined) return
          for (const [key, s] of source) {
            if (s.type === "Gauge" || s.type === "Summary") continue
            const before = retired.get(key)
            retired.set(key, before === undefined ? s : { ...s, state: combine(s.type, before.state, s.state) } as Snapshot)
          }
        },
        flush: Effect.suspend(() => Effect.andThen(hub.flushWorkers, Effect.sync(refreshLocal))),
        flushWorkers: Effect.void
      }
      return MetricsHub.of(hub)
    })
  )
}
