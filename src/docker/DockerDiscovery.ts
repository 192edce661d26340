/**
 * Docker discovery, on while `infrarust.toml` has a `[docker]` table: containers labelled
 * `infrarust.enable=true` are published as servers next to those of `servers/`
 * (DiscoverySession.ts does the work against one endpoint).
 *
 * - Follows live reloads of `infrarust.toml`: adding `[docker]` starts discovery, removing it
 *   stops it and unroutes its containers, changing it (endpoint, network, timings) starts over.
 * - Start-up waits for the first attempt to reach the Engine, at most {@link STARTUP_WAIT}, so
 *   the first routing table already has the running containers; an absent Engine never holds
 *   start-up (a missing socket fails at once) nor stops the proxy.
 * - Runs where the servers directory can publish (one process, or the workers' coordinator);
 *   worker threads receive the result with the rest of the server list.
 */
import { Config, Deferred, Effect, Equal, FiberHandle, Layer, Option, Result, Stream, SubscriptionRef } from "effect"
import type { DockerConfig } from "../config/GlobalTables.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { runSession } from "./DiscoverySession.ts"
import { makeEngineClient } from "./EngineClient.ts"
import { chooseEndpoint, parseEndpoint } from "../config/DockerEndpoint.ts"

/** The source name in the server list. */
export const DOCKER_SOURCE = "docker"
/** A hung Engine (socket open, no answer) must not hold start-up for the whole request timeout. */
const STARTUP_WAIT = "5 seconds"

export const DockerDiscovery = Layer.effectDiscard(Effect.gen(function*() {
  const store = yield* ProxyConfigStore
  const directory = yield* ServersDirectory
  const publishDiscovered = directory.publishDiscovered
  if (publishDiscovered === undefined) return
  const publish = (servers: Parameters<typeof publishDiscovered>[1]) => publishDiscovered(DOCKER_SOURCE, servers)
  const dockerHost: string | undefined = Option.getOrUndefined(
    yield* Effect.orElseSucceed(Config.option(Config.String("DOCKER_HOST")), () => Option.none<string>())
  )
  const handle = yield* FiberHandle.make<void, never>()
  /** The endpoint of the running session, if one runs. */
  let running: string | undefined

  /** Stops the current session (if any) and starts one for `docker` (if set). */
  const apply = Effect.fnUntraced(function*(docker: DockerConfig | undefined) {
    yield* FiberHandle.clear(handle)
    const text = docker === undefined ? undefined : chooseEndpoint(docker.endpoint, dockerHost)
    // Servers of another Engine (or of a removed [docker]) must not outlive it; with the same
    // Engine the new session's first resync replaces them, so routes do not blink.
    if (running !== undefined && running !== text) yield* publish([])
    if (running !== undefined && docker === undefined) yield* Effect.logInfo("docker: discovery stopped ([docker] was removed)")
    running = text
    if (docker === undefined || text === undefined) return
    const endpoint = parseEndpoint(text)
    if (Result.isFailure(endpoint)) {
      running = undefined
      const where = docker.endpoint === undefined ? "DOCKER_HOST" : "[docker] endpoint"
      return yield* Effect.logError(`${where}: ${endpoint.failure}; Docker discovery is off`)
    }
    const firstAttempt = yield* Deferred.make<void>()
    yield* FiberHandle.run(handle, runSession({ client: makeEngineClient(endpoint.success), docker, publish, firstAttempt }))
    yield* Deferred.await(firstAttempt).pipe(Effect.timeoutOption(STARTUP_WAIT))
  })

  let current = (yield* SubscriptionRef.get(store.config)).docker
  yield* apply(current)
  yield* SubscriptionRef.changes(store.config).pipe(
    Stream.map((config) => config.docker),
    Stream.filter((docker) => !Equal.equals(docker, current)),
    Stream.runForEach((docker) => {
      current = docker
      return apply(docker)
    }),
    Effect.forkScoped
  )
}))
