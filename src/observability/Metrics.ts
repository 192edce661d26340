/**
 * Every metric the proxy records, defined once so each name, unit and attribute set is the
 * same wherever it is updated and in every exporter (OTLP, Prometheus). Names follow the
 * OpenTelemetry style (`infrarust.<area>.<what>`); the Prometheus endpoint rewrites the dots.
 *
 * Update these from Effect code with `Metric.update` / `Metric.modify` and
 * `tagged` (below) for attributes; never per relayed chunk (relayed bytes are read from the relays'
 * meters every few seconds and at session end: SessionMeters.ts).
 */
import { Metric } from "effect"

const seconds = (start: number, factor: number, count: number) =>
  Metric.exponentialBoundaries({ start, factor, count })

/** Half a millisecond to ~16 s: handshakes, backend connects, status fetches. */
const LATENCY_BOUNDARIES = seconds(0.0005, 2, 16)

/**
 * How each metric is built, kept so that a tagged copy (`tagged` below) is a metric of its own
 * with every attribute in its definition. `Metric.withAttributes` instead copies the fiber's
 * whole context (every service of the proxy) on each update, once per attribute layer; with
 * the unit and a tag that was two copies per update, several updates per login.
 */
type Build<M> = (attributes: Readonly<Record<string, string>>) => M
const builders = new WeakMap<object, Build<unknown>>()
const define = <M extends object>(build: Build<M>, attributes: Readonly<Record<string, string>>): M => {
  const metric = build(attributes)
  builders.set(metric, (extra) => define(build, { ...attributes, ...extra }))
  return metric
}

/**
 * The UCUM unit, carried the Effect way: as a `unit` attribute, which both OTLP exporters turn
 * into the metric's unit ("s", "By", or an annotation like "{connection}" for counts) and the
 * Prometheus endpoint into the name suffix (`_seconds`, `_bytes`). Collectors keep it as a
 * `unit` label.
 */
const counter = (name: string, description: string, unit: string) =>
  define((attributes) => Metric.counter(name, { description, incremental: true, attributes }), { unit })
const gauge = (name: string, description: string, unit: string) =>
  define((attributes) => Metric.gauge(name, { description, attributes }), { unit })
/** A histogram of seconds. */
const duration = (name: string, description: string, boundaries: ReadonlyArray<number> = LATENCY_BOUNDARIES) =>
  define((attributes) => Metric.histogram(name, { description, boundaries, attributes }), { unit: "s" })

// Connections
export const connectionsActive = gauge("infrarust.connections.active", "Client connections currently open (any stage)", "{connection}")
/**
 * Attributes: `outcome` = relayed | status | legacy_ping | refused | unknown_domain |
 * no_backend | closed (the client hung up first) | error (see ConnectionReport.ts).
 */
export const connectionsTotal = counter("infrarust.connections.total", "Client connections accepted, by how they ended", "{connection}")
export const handshakeDuration = duration(
  "infrarust.handshake.duration",
  "Seconds from accept to a complete handshake (PROXY header included)"
)

// Backends
/** Attributes: `server`. */
export const backendConnectDuration = duration("infrarust.backend.connect.duration", "Seconds to open a backend TCP connection")
/** Attributes: `server`, `backend`. */
export const backendConnectFailures = counter("infrarust.backend.connect.failures", "Backend connection attempts that failed", "{attempt}")
/** Attributes: `server`, `backend`. 1 = in rotation, 0 = taken out by health checks. */
export const backendHealthy = gauge("infrarust.backend.healthy", "Health of each backend (1 healthy, 0 unhealthy)", "{backend}")
/** Attributes: `server`, `backend`. Players this proxy relays to each backend right now. */
export const backendPlayers = gauge("infrarust.backend.players", "Live player sessions relayed to each backend", "{session}")

// Sessions
/** Attributes: `server`, `direction` = c2b | b2c. Unit: bytes. */
export const bytesRelayed = counter("infrarust.bytes.relayed", "Bytes relayed between players and backends", "By")
/** Attributes: `server`. */
export const playersOnline = gauge("infrarust.players.online", "Players with a live session, per server", "{player}")
/** Attributes: `server`. */
export const sessionDuration = duration("infrarust.session.duration", "Seconds a player session lasted", seconds(1, 2, 16))

// Status plane
/** Attributes: `result` = hit | miss | stale. */
export const statusCacheLookups = counter("infrarust.status.cache.lookups", "Status cache lookups by result", "{lookup}")
/** Attributes: `server`. */
export const statusFetchDuration = duration(
  "infrarust.status.fetch.duration",
  "Seconds a backend took to answer a status request"
)

// Server manager
/**
 * Attributes: `server`, `state` = online | sleeping | starting | stopping | crashed | unknown.
 * 1 for the server's current state, 0 for the others (one series per state, so a dashboard can
 * sum or alert on `state="crashed"`).
 */
export const serverManagerState = gauge("infrarust.server_manager.state", "Lifecycle state of each managed server (1 = current)", "{state}")
/** Attributes: `server`, `outcome` = ready | crashed | timed_out | stopping. Half a second to ~17 minutes. */
export const serverStartDuration = duration(
  "infrarust.server_manager.start.duration",
  "Seconds from a start request to the server being online, or the attempt failing",
  seconds(0.5, 2, 12)
)

// WebAssembly plugins (src/wasm)
/** Attributes: `plugin`. Calls into a WASM plugin (events delivered, `init` included). */
export const wasmPluginCalls = counter("infrarust.wasm_plugin.calls", "Calls into a WebAssembly plugin", "{call}")
/** Attributes: `plugin`. Seconds from sending a call to its answer (the thread hop included). */
export const wasmPluginCallDuration = duration(
  "infrarust.wasm_plugin.call.duration",
  "Seconds a WebAssembly plugin call took, as the proxy waited for it",
  seconds(0.00001, 2, 16)
)
/** Attributes: `plugin`, `reason` = timeout | trap | crash | start. */
export const wasmPluginFailures = counter("infrarust.wasm_plugin.failures", "WebAssembly plugin calls or starts that failed and stopped the plugin", "{failure}")
/** Attributes: `plugin`. */
export const wasmPluginRestarts = counter("infrarust.wasm_plugin.restarts", "WebAssembly plugins started again after a failure", "{restart}")

// Worker threads
/** Attributes: `op` (workers/Ops.ts: `status.respond`, `sessions.open`, ...). */
export const workerRequests = counter("infrarust.worker.requests", "Requests data-plane workers made to the coordinator thread, by operation", "{request}")

// Abuse and access control
/** Attributes: `reason` = rate_limited | banned | ip_filtered | server_full | untrusted_proxy | pending_limit. */
export const rejections = counter("infrarust.rejections", "Connections or logins refused by policy", "{connection}")

/**
 * `Metric.withAttributes`, memoised: building a tagged metric hashes its attributes, which on
 * a per-connection path (session duration, bytes per server, ...) costs more than the update
 * itself. Attribute values come from the configuration (server ids, backends) and fixed
 * vocabularies (outcomes, reasons), so the memo stays as small as the config.
 */
const taggedMemo = new WeakMap<object, Map<string, unknown>>()
export const tagged = <M extends Metric.Metric<any, any>>(metric: M, attributes: Readonly<Record<string, string>>): M => {
  let byKey = taggedMemo.get(metric)
  if (byKey === undefined) taggedMemo.set(metric, (byKey = new Map()))
  // Built per session (several times): plain concatenation, not JSON.stringify.
  let key = ""
  for (const name in attributes) key += `${name}\u0000${attributes[name]}\u0001`
  let found = byKey.get(key) as M | undefined
  if (found === undefined) {
    const build = builders.get(metric) as Build<M> | undefined
    found = build === undefined ? Metric.withAttributes(metric, attributes) as M : build(attributes)
    byKey.set(key, found)
  }
  return found
}

/**
 * One tagged metric per value of a fixed vocabulary (`outcome`, `result`, `reason`, ...), built
 * up front: a lookup by value on the hot path, nothing to memoise.
 */
export const taggedEach = <M extends Metric.Metric<any, any>, const V extends string>(
  metric: M,
  key: string,
  values: ReadonlyArray<V>
): Readonly<Record<V, M>> => Object.fromEntries(values.map((value) => [value, tagged(metric, { [key]: value })])) as Record<V, M>

/**
 * A metric tagged with one attribute whose values are not known up front (server ids, backend
 * addresses): one map lookup by the value on the hot path, where {@link tagged} builds a key from
 * the attribute object on every call. Values come from the configuration, so the map stays as
 * small as it.
 */
export const taggedBy = <M extends Metric.Metric<any, any>>(
  metric: M,
  key: string,
  /** Attributes every series of this lookup carries too (after `key`). */
  fixed: Readonly<Record<string, string>> = {}
): ((value: string) => M) => {
  const byValue = new Map<string, M>()
  return (value) => {
    let found = byValue.get(value)
    if (found === undefined) byValue.set(value, (found = tagged(metric, { [key]: value, ...fixed })))
    return found
  }
}
