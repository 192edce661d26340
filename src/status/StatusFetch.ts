/**
 * One cache fill: ask the server's status backends (the balancer's `statusCandidates`, in
 * order) for their status within `[limits] status_timeout`, and classify the result for the
 * cache: a parsed response, `Offline` (active health checks report every backend down, so
 * nothing is dialled), or `Unreachable` (dialled, and nothing answered in time). Runs at most once per cache key per ttl (StatusCache), never per ping.
 *
 * It never touches the session registry: a status fetch is not activity.
 */
import { Clock, Effect, Metric } from "effect"
import { traced } from "../observability/Tracing.ts"
import type { BackendTarget } from "../config/ServerConfig.ts"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { ProxyConfig } from "../config/ProxyConfig.ts"
import { formatHumanDuration } from "../config/HumanDuration.ts"
import { connectTimeoutOf } from "../config/ServerConfig.ts"
import { statusFetchDuration, tagged } from "../observability/Metrics.ts"
import { fetchBackendStatus, type ProbeHello } from "../backend/StatusProbe.ts"
import { type FetchOutcome, OFFLINE, UNREACHABLE } from "./StatusCache.ts"
import { parseStatus } from "./StatusSnapshot.ts"

/** Where a server's status may come from: its status candidates, unless health checks know them all down. */
export interface StatusBackends {
  readonly candidates: Effect.Effect<ReadonlyArray<BackendTarget>>
  /** True when health checks know every backend of the server is down. */
  readonly knownDown: Effect.Effect<boolean>
}

export const fetchStatus = Effect.fnUntraced(function*(
  server: LoadedServer,
  hello: ProbeHello,
  config: ProxyConfig,
  backends: StatusBackends
) {
  const targets = yield* backends.candidates
  if (targets.length === 0 || (yield* backends.knownDown)) {
    yield* Effect.logInfo(`status of '${server.id}': health checks report every backend down; showing its offline MOTD`)
    return OFFLINE
  }
  const connectTimeout = connectTimeoutOf(server.config, config.connectTimeout)
  const started = yield* Clock.currentTimeMillis
  const attempts = targets.map((target) =>
    fetchBackendStatus(target, hello, connectTimeout).pipe(
      Effect.tapError((e) => Effect.logDebug(`status from ${target.text} failed: ${e.message}`))
    )
  )
  const fetched = yield* Effect.firstSuccessOf(attempts).pipe(
    Effect.timeoutOption(config.limits.statusTimeout),
    Effect.option
  )
  if (fetched._tag === "None" || fetched.value._tag === "None") {
    const why = fetched._tag === "None" ? "no backend answered" : `no answer within ${formatHumanDuration(config.limits.statusTimeout)} ([limits] status_timeout)`
    yield* Effect.logWarning(`status of '${server.id}': ${why}; showing the last good response or its unreachable MOTD`)
    return UNREACHABLE
  }
  const snapshot = parseStatus(fetched.value.value)
  if (typeof snapshot === "string") {
    yield* Effect.logWarning(`status of '${server.id}': ${snapshot}; showing its unreachable MOTD`)
    return UNREACHABLE
  }
  const elapsed = (yield* Clock.currentTimeMillis) - started
  yield* Metric.update(tagged(statusFetchDuration, { server: server.id }), elapsed / 1000)
  return { _tag: "Status", snapshot } satisfies FetchOutcome
}, traced("proxy.status_fetch"))
