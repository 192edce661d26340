/**
 * Every metric the proxy records, defined once so each name, unit and attribute set is the
 * same wherever it is updated and in every exporter (OTLP, Prometheus). Names follow the
 * OpenTelemetry style (`infrarust.<area>.<what>`); the Prometheus endpoint rewrites the dots.
 *
 * Update these from Effect code with `Metric.update` / `Metric.modify` and
 * `Metric.withAttributes`; never per relayed chunk (relayed bytes are read from the relays'
 * meters every few seconds and at session end: SessionMeters.ts).
 */
import { Metric } from "effect"

const seconds = (start: number, factor: number, count: number) =>
  Metric.exponentialBoundaries({ start, factor, count })

/**
 * The UCUM unit, carried the Effect way: as a `unit` attribute, which both OTLP exporters turn
 * into the metric's unit ("s", "By", or an annotation like "{connection}" for counts) and the
 * Prometheus endpoint into the name suffix (`_seconds`, `_bytes`). Collectors keep it as a
 * `unit` label.
 */
const withUnit = (unit: string) => Metric.withAttributes({ unit })

// Connections
export const connectionsActive = Metric.gauge("infrarust.connections.active", {
  description: "Client connections currently open (any stage)"
}).pipe(withUnit("{connection}"))
/**
 * Attributes: `outcome` = relayed | status | legacy_ping | refused | unknown_domain |
 * no_backend | closed (the client hung up first) | error (see ConnectionReport.ts).
 */
export const connectionsTotal = Metric.counter("infrarust.connections.total", {
  description: "Client connections accepted, by how they ended",
  incremental: true
}).pipe(withUnit("{connection}"))
export const handshakeDuration = Metric.histogram("infrarust.handshake.duration", {
  description: "Seconds from accept to a complete handshake (PROXY header included)",
  boundaries: seconds(0.0005, 2, 16)
}).pipe(withUnit("s"))

// Backends
/** Attributes: `server`. */
export const backendConnectDuration = Metric.histogram("infrarust.backend.connect.duration", {
  description: "Seconds to open a backend TCP connection",
  boundaries: seconds(0.0005, 2, 16)
}).pipe(withUnit("s"))
/** Attributes: `server`, `backend`. */
export const backendConnectFailures = Metric.counter("infrarust.backend.connect.failures", {
  description: "Backend connection attempts that failed",
  incremental: true
}).pipe(withUnit("{attempt}"))
/** Attributes: `server`, `backend`. 1 = in rotation, 0 = taken out by health checks. */
export const backendHealthy = Metric.gauge("infrarust.backend.healthy", {
  description: "Health of each backend (1 healthy, 0 unhealthy)"
}).pipe(withUnit("{backend}"))
/** Attributes: `server`, `backend`. Players this proxy relays to each backend right now. */
export const backendPlayers = Metric.gauge("infrarust.backend.players", {
  description: "Live player sessions relayed to each backend"
}).pipe(withUnit("{session}"))

// Sessions
/** Attributes: `server`, `direction` = c2b | b2c. Unit: bytes. */
export const bytesRelayed = Metric.counter("infrarust.bytes.relayed", {
  description: "Bytes relayed between players and backends",
  incremental: true
}).pipe(withUnit("By"))
/** Attributes: `server`. */
export const playersOnline = Metric.gauge("infrarust.players.online", {
  description: "Players with a live session, per server"
}).pipe(withUnit("{player}"))
/** Attributes: `server`. */
export const sessionDuration = Metric.histogram("infrarust.session.duration", {
  description: "Seconds a player session lasted",
  boundaries: seconds(1, 2, 16)
}).pipe(withUnit("s"))

// Status plane
/** Attributes: `result` = hit | miss | stale. */
export const statusCacheLookups = Metric.counter("infrarust.status.cache.lookups", {
  description: "Status cache lookups by result",
  incremental: true
}).pipe(withUnit("{lookup}"))
/** Attributes: `server`. */
export const statusFetchDuration = Metric.histogram("infrarust.status.fetch.duration", {
  description: "Seconds a backend took to answer a status request",
  boundaries: seconds(0.0005, 2, 16)
}).pipe(withUnit("s"))

// Abuse and access control
/** Attributes: `reason` = rate_limited | banned | ip_filtered | server_full | untrusted_proxy | pending_limit. */
export const rejections = Metric.counter("infrarust.rejections", {
  description: "Connections or logins refused by policy",
  incremental: true
}).pipe(withUnit("{connection}"))

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
  const key = JSON.stringify(attributes)
  let found = byKey.get(key) as M | undefined
  if (found === undefined) byKey.set(key, (found = Metric.withAttributes(metric, attributes) as M))
  return found
}
