/**
 * Discovery against one Engine endpoint, for as long as `[docker]` names it: the containers
 * labelled `infrarust.enable=true` become servers (ContainerLabels.ts), published through
 * `publish` into the one server list the router reads.
 *
 * - Follows the Engine: subscribes to container events first, then lists and inspects every
 *   labelled container (so no change between the two is missed), then re-inspects each
 *   container an event names (create, start, stop, die, destroy, pause, unpause, rename).
 *   Events only mark containers dirty; a burst costs one inspect per container, and memory is
 *   bounded by the number of containers.
 * - Polls: a full resync every `poll_interval` while connected, in case an event was lost.
 * - Reconnects: when the Engine cannot be reached or the stream ends, it retries after
 *   `reconnect_delay`, doubling up to 60 s, and resyncs in full once connected again. Meanwhile
 *   the containers last reported stay routed (with live-restore they keep running); the
 *   servers of files are never affected.
 * - Says so once: the first failure of an outage is a warning, its retries are Debug lines, and
 *   the reconnection is one Info line. A wrong label is logged once per container and text.
 */
import { Deferred, Duration, Effect, Option, Queue, Result, Semaphore } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { DockerConfig } from "../config/GlobalTables.ts"
import { ContainerInspect, ContainerList, type Container, containerOf, EngineEvent } from "./Container.ts"
import { discoverServer, LABEL } from "./ContainerLabels.ts"
import { type EngineClient, EngineError } from "./EngineClient.ts"

/** Infrarust's ceiling for the reconnect backoff (`core/provider/docker/mod.rs`). */
export const MAX_RECONNECT_DELAY = Duration.seconds(60)
/** Inspects in flight during a resync. */
const INSPECT_CONCURRENCY = 4

const WATCHED_ACTIONS = ["create", "start", "stop", "die", "destroy", "pause", "unpause", "rename"]
const filters = (extra: Record<string, ReadonlyArray<string>>) =>
  encodeURIComponent(JSON.stringify({ label: [`${LABEL.enable}=true`], ...extra }))
const LIST_PATH = `/containers/json?all=1&filters=${filters({})}`
const EVENTS_PATH = `/events?filters=${filters({ type: ["container"], event: WATCHED_ACTIONS })}`

interface Known {
  readonly name: string
  readonly server: LoadedServer | undefined
  /** What was last logged about this container (its route or its label error), to log changes only. */
  readonly said: string | undefined
}

export interface SessionOptions {
  readonly client: EngineClient
  readonly docker: DockerConfig
  readonly publish: (servers: ReadonlyArray<LoadedServer>) => Effect.Effect<void>
  /** Completed after the first connection attempt, whatever its outcome (start-up waits for it). */
  readonly firstAttempt: Deferred.Deferred<void>
}

export const runSession = Effect.fnUntraced(function*(options: SessionOptions) {
  const { client, docker } = options
  const endpoint = client.endpoint.text
  const lock = yield* Semaphore.make(1)
  let known = new Map<string, Known>()

  const inspect = (id: string) =>
    client.get(`/containers/${encodeURIComponent(id)}/json`, ContainerInspect).pipe(
      Effect.map((inspected) => Option.some(containerOf(inspected))),
      Effect.catchIf((e) => e.reason === "NotFound", () => Effect.succeedNone)
    )

  /** The entry for a container now, logging what changed about it. */
  const judge = Effect.fnUntraced(function*(container: Container, previous: Known | undefined) {
    const found = discoverServer(container, { network: docker.network, endpoint })
    let server: LoadedServer | undefined
    let said: string | undefined
    if (Result.isFailure(found)) {
      said = `${found.failure.message}\n(the container is not routed)`
      if (said !== previous?.said) yield* Effect.logWarning(said)
    } else if (found.success._tag === "Routed") {
      server = found.success.server
      const c = server.config
      said = `docker: container '${container.name}' is server '${server.id}': ${c.domains.join(", ")} → ` +
        `${found.success.address.text} (${found.success.address.via}) [${c.proxyMode}]` +
        (c.serverManager === undefined ? "" : " [managed]")
      if (said !== previous?.said) yield* Effect.logInfo(said)
    } else if (previous?.server !== undefined) {
      yield* Effect.logInfo(`docker: container '${container.name}' is no longer routed (${found.success.reason})`)
    }
    return { name: container.name, server, said }
  })

  const publishKnown = Effect.suspend(() => {
    const servers = [...known.values()].flatMap((k) => (k.server === undefined ? [] : [k.server]))
    return options.publish(servers.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)))
  })

  /** Lists and inspects every labelled container; the map is replaced whole. */
  const resync = Semaphore.withPermit(lock)(Effect.gen(function*() {
    yield* Effect.annotateCurrentSpan("docker.endpoint", endpoint)
    const listed = yield* client.get(LIST_PATH, ContainerList)
    const inspected = yield* Effect.forEach(listed, (c) => inspect(c.Id), { concurrency: INSPECT_CONCURRENCY })
    const next = new Map<string, Known>()
    for (const container of inspected) {
      if (Option.isNone(container)) continue
      next.set(container.value.id, yield* judge(container.value, known.get(container.value.id)))
    }
    for (const [id, gone] of known) {
      if (!next.has(id) && gone.server !== undefined) yield* Effect.logInfo(`docker: container '${gone.name}' is gone`)
    }
    known = next
    yield* publishKnown
    return next.size
  }).pipe(Effect.withSpan("docker.resync")))

  /** Re-inspects the containers events named. */
  const refresh = (ids: ReadonlyArray<string>) =>
    Semaphore.withPermit(lock)(Effect.gen(function*() {
      const next = new Map(known)
      for (const id of ids) {
        const container = yield* inspect(id)
        const previous = next.get(id)
        if (Option.isNone(container)) {
          if (previous?.server !== undefined) yield* Effect.logInfo(`docker: container '${previous.name}' is gone`)
          next.delete(id)
        } else next.set(id, yield* judge(container.value, previous))
      }
      known = next
      yield* publishKnown
    }).pipe(Effect.withSpan("docker.refresh", { attributes: { "docker.containers": ids.length } })))

  /** One connection: subscribe, resync, then follow events and poll until the stream ends. */
  const follow = (onConnected: (containers: number) => Effect.Effect<void>) =>
    Effect.scoped(Effect.gen(function*() {
      const dirty = new Set<string>()
      const wake = yield* Queue.sliding<void>(1)
      const feed = yield* client.events(EVENTS_PATH, EngineEvent, (event) => {
        if (event.Actor === undefined) return
        dirty.add(event.Actor.ID)
        Queue.offerUnsafe(wake, undefined)
      })
      yield* onConnected(yield* resync)
      yield* Queue.take(wake).pipe(
        Effect.andThen(Effect.suspend(() => {
          const ids = [...dirty]
          dirty.clear()
          // A failing Engine ends the stream too; the reconnection resyncs everything.
          return Effect.catch(refresh(ids), (e) => Effect.logDebug(`docker: cannot inspect a container: ${e.message}`))
        })),
        Effect.forever,
        Effect.forkScoped
      )
      const poll = Duration.max(docker.pollInterval, Duration.millis(10))
      yield* Effect.sleep(poll).pipe(
        Effect.andThen(Effect.catch(resync, (e) => Effect.logDebug(`docker: poll failed: ${e.message}`))),
        Effect.forever,
        Effect.forkScoped
      )
      return yield* feed.ended
    }))

  let outage = false
  let everConnected = false
  let delay = docker.reconnectDelay
  for (;;) {
    const result = yield* Effect.result(follow((containers) =>
      Effect.gen(function*() {
        const again = everConnected ? "connected again to" : "connected to"
        yield* Effect.logInfo(`docker: ${again} the Docker Engine at ${endpoint}; ${containers} labelled container(s)`)
        everConnected = true
        outage = false
        delay = docker.reconnectDelay
        yield* Deferred.succeed(options.firstAttempt, undefined)
      })
    ))
    const error: EngineError = Result.isFailure(result) ? result.failure : new EngineError({
      endpoint,
      operation: "GET /events",
      reason: "StreamEnded",
      detail: "the event stream ended"
    })
    const retry = `retrying in ${Duration.format(delay)}, then less often (at most every ${Duration.format(MAX_RECONNECT_DELAY)})`
    const why = `${error.operation}: ${error.detail}`
    if (!outage) {
      outage = true
      yield* everConnected
        ? Effect.logWarning(
          `docker: lost the Docker Engine at ${endpoint} (${why}); its containers stay routed as last seen, servers from files are unaffected; ${retry}`
        )
        : Effect.logWarning(`docker: the Docker Engine at ${endpoint} does not answer (${why}); serving the servers from files only; ${retry}`)
    } else yield* Effect.logDebug(`docker: the Docker Engine at ${endpoint} still does not answer (${why})`)
    yield* Deferred.succeed(options.firstAttempt, undefined)
    yield* Effect.sleep(delay)
    delay = Duration.min(Duration.times(delay, 2), MAX_RECONNECT_DELAY)
  }
})
