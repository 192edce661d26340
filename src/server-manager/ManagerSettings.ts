/**
 * What a `[server_manager]` table means for the state machine, and which keys make a different
 * provider. Timing keys (`start_timeout`, `shutdown_after`, `poll_interval`, a local server's
 * `shutdown_timeout` and `ready_pattern`) apply to a running manager at the next reload; the keys
 * that say *what* is managed (type, command, args, working_dir; api_url, api_key, server_id;
 * endpoint, container) replace the manager, which for a local server means stopping the old process first.
 */
import { Duration } from "effect"
import type { ServerManagerConfig } from "../config/ServerManagerConfig.ts"
import type { MachineSettings } from "./ServerStateMachine.ts"

/**
 * A local status poll reads memory and the process pokes the monitor when it becomes ready or
 * exits, so polling is only a safety net: Infrarust's fixed 5 s, and 1 s while a transition is pending.
 */
const LOCAL_POLL_SLOW_MS = 5_000
const LOCAL_POLL_FAST_MS = 1_000
/** Infrarust polls panels at `poll_interval` during transitions and 6 × `poll_interval` otherwise. */
const PANEL_SLOW_FACTOR = 6
/** A local stop has finished when `stop` returns; this only bounds a report that disagrees. */
const LOCAL_STOP_MARGIN_MS = 10_000
/** What `docker stop` waits before SIGKILL when the container sets no StopTimeout. */
const DOCKER_DEFAULT_STOP = Duration.seconds(10)

export const settingsOf = (config: ServerManagerConfig): MachineSettings => {
  const startTimeoutMs = Duration.toMillis(config.startTimeout)
  const shutdownAfterMs = config.shutdownAfter === undefined ? undefined : Duration.toMillis(config.shutdownAfter)
  if (config.type === "local") {
    return {
      startTimeoutMs,
      shutdownAfterMs,
      stopTimeoutMs: Duration.toMillis(config.shutdownTimeout) + LOCAL_STOP_MARGIN_MS,
      pollFastMs: LOCAL_POLL_FAST_MS,
      pollSlowMs: LOCAL_POLL_SLOW_MS
    }
  }
  // A zero poll_interval would spin; one millisecond is the floor.
  const pollMs = Math.max(1, Duration.toMillis(config.pollInterval))
  if (config.type === "docker") {
    return {
      startTimeoutMs,
      shutdownAfterMs,
      // Docker's stop returns once the container is gone, like a local stop.
      stopTimeoutMs: Duration.toMillis(config.stopTimeout ?? DOCKER_DEFAULT_STOP) + LOCAL_STOP_MARGIN_MS,
      pollFastMs: pollMs,
      pollSlowMs: pollMs * PANEL_SLOW_FACTOR
    }
  }
  return {
    startTimeoutMs,
    shutdownAfterMs,
    // A panel that has not acted on a stop within start_timeout is believed when it says running.
    stopTimeoutMs: startTimeoutMs,
    pollFastMs: pollMs,
    pollSlowMs: pollMs * PANEL_SLOW_FACTOR
  }
}

/** Equal identities: the same thing is managed, the provider stays. */
export const identityOf = (config: ServerManagerConfig): string => {
  switch (config.type) {
    case "local":
      return JSON.stringify([config.type, config.command, config.args, config.workingDir])
    case "docker":
      return JSON.stringify([config.type, config.endpoint ?? "", config.container])
    default:
      return JSON.stringify([config.type, config.apiUrl, config.apiKey, config.serverId])
  }
}
