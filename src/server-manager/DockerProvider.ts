/**
 * `[server_manager] type = "docker"`: a container started and stopped through the Docker
 * Engine API (src/docker/EngineClient.ts), as mc-router does and Infrarust does not.
 *
 * - start: `POST /containers/{container}/start` (`/unpause` for a paused one); the Engine
 *   answers once the container runs, which is not yet "ready".
 * - ready: a container with a HEALTHCHECK is ready when Docker says `healthy` (`starting` is
 *   starting, `unhealthy` is unknown: it changes no state). Without one, it is ready once the
 *   server answers a status ping at its first address, as the proxy would ping it; a run that
 *   answered once is not pinged again.
 * - stop: `POST /containers/{container}/stop?t=<stop_timeout>`: SIGTERM, then SIGKILL after
 *   the grace; the Engine answers once the container is gone.
 * - status: created/exited → stopped; running → as above; paused → stopped (a start
 *   unpauses); restarting → starting; removing → stopping; dead → crashed. A run this provider
 *   started that exits by itself with another code than 0, 130 or 143 (SIGINT/SIGTERM), or is
 *   OOM-killed, is crashed.
 */
import { Duration, Effect } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { EngineEndpoint } from "../config/DockerEndpoint.ts"
import type { DockerManagerConfig } from "../config/ServerManagerConfig.ts"
import { pingBackend } from "../backend/HealthProbe.ts"
import { type Container, ContainerInspect, containerOf } from "../docker/Container.ts"
import { type EngineError, type EngineErrorReason, makeEngineClient } from "../docker/EngineClient.ts"
import { ProviderError, type ProviderErrorReason, type ProviderReport, type ServerProvider } from "./ServerProvider.ts"

/** A readiness ping of a server that is up answers in milliseconds. */
const READY_PING_TIMEOUT = Duration.seconds(2)
/** Docker's own grace before SIGKILL when neither the table nor the container sets one. */
const DOCKER_STOP_SECONDS = 10
/** Room for the Engine's answer after the grace has run out. */
const STOP_ANSWER_MARGIN = Duration.seconds(30)
/** Exit codes of a process that was asked to stop (0, SIGINT, SIGTERM). */
const CLEAN_EXITS = new Set([0, 130, 143])

const REASONS: Readonly<Record<EngineErrorReason, ProviderErrorReason>> = {
  Unreachable: "Transport",
  StreamEnded: "Transport",
  Timeout: "Timeout",
  HttpStatus: "HttpStatus",
  NotFound: "HttpStatus",
  InvalidResponse: "InvalidResponse"
}

export interface DockerProviderOptions {
  readonly serverId: string
  readonly config: () => DockerManagerConfig
  readonly endpoint: EngineEndpoint
  /** The server as currently configured: its first address is pinged for readiness. */
  readonly server: () => LoadedServer | undefined
}

export const makeDockerProvider = (options: DockerProviderOptions): ServerProvider => {
  const client = makeEngineClient(options.endpoint)
  const base = () => `/containers/${encodeURIComponent(options.config().container)}`
  const failed = (operation: ProviderError["operation"]) => (e: EngineError) =>
    new ProviderError({ server: options.serverId, provider: "docker", operation, reason: REASONS[e.reason], detail: e.message })

  /** The run (its StartedAt) this provider started and has not asked to stop; a crash of it is news. */
  let launched: { readonly before: string } | undefined
  /** The run that answered a readiness ping. */
  let readyRun: string | undefined

  const inspect = (operation: ProviderError["operation"]) =>
    client.get(`${base()}/json`, ContainerInspect).pipe(Effect.map(containerOf), Effect.mapError(failed(operation)))

  const ready = (container: Container): Effect.Effect<ProviderReport> => {
    if (container.health !== undefined) {
      const detail = `container ${container.health}`
      if (container.health === "healthy") return Effect.succeed({ state: "running", detail })
      return Effect.succeed({ state: container.health === "starting" ? "starting" : "unknown", detail })
    }
    const server = options.server()
    const target = server?.config.addresses[0]
    if (readyRun === container.startedAt || server === undefined || target === undefined) {
      return Effect.succeed({ state: "running", detail: "container running" })
    }
    return pingBackend(server, target, READY_PING_TIMEOUT).pipe(
      Effect.timeout(READY_PING_TIMEOUT),
      Effect.map((): ProviderReport => {
        readyRun = container.startedAt
        return { state: "running", detail: "container running, server answers" }
      }),
      Effect.catch((e) => Effect.succeed<ProviderReport>({ state: "starting", detail: `container running, server not answering yet (${e.message})` }))
    )
  }

  const exited = (container: Container): ProviderReport => {
    const code = `exited with code ${container.exitCode}${container.oomKilled ? " (out of memory)" : ""}`
    const ours = launched !== undefined && container.startedAt !== launched.before
    return ours && (container.oomKilled || !CLEAN_EXITS.has(container.exitCode))
      ? { state: "crashed", detail: `container ${code}` }
      : { state: "stopped", detail: `container ${code}` }
  }

  const status = Effect.flatMap(inspect("status"), (container): Effect.Effect<ProviderReport> => {
    if (container.paused) return Effect.succeed({ state: "stopped", detail: "container paused" })
    switch (container.status) {
      case "running":
        return ready(container)
      case "created":
        return Effect.succeed({ state: "stopped", detail: "container created, never started" })
      case "exited":
        return Effect.succeed(exited(container))
      case "restarting":
        return Effect.succeed({ state: "starting", detail: "container restarting" })
      case "removing":
        return Effect.succeed({ state: "stopping", detail: "container being removed" })
      case "dead":
        return Effect.succeed({ state: "crashed", detail: "container dead" })
      default:
        return Effect.succeed({ state: "unknown", detail: `container ${container.status}` })
    }
  })

  const start = Effect.gen(function*() {
    const container = yield* inspect("start")
    readyRun = undefined
    launched = { before: container.startedAt }
    if (container.paused) return yield* Effect.asVoid(client.post(`${base()}/unpause`).pipe(Effect.mapError(failed("start"))))
    if (container.running) return
    yield* client.post(`${base()}/start`).pipe(Effect.mapError(failed("start")))
  })

  const stop = Effect.gen(function*() {
    const container = yield* inspect("stop")
    launched = undefined
    const configured = options.config().stopTimeout
    const seconds = configured === undefined
      ? container.stopTimeout ?? DOCKER_STOP_SECONDS
      : Math.ceil(Duration.toMillis(configured) / 1000)
    // A paused container cannot take SIGTERM until it runs again.
    if (container.paused) yield* client.post(`${base()}/unpause`).pipe(Effect.mapError(failed("stop")))
    const query = configured === undefined ? "" : `?t=${seconds}`
    yield* client.post(`${base()}/stop${query}`, { timeout: Duration.sum(Duration.seconds(seconds), STOP_ANSWER_MARGIN) }).pipe(
      Effect.mapError(failed("stop"))
    )
  })

  return { kind: "docker", start, stop, status }
}
