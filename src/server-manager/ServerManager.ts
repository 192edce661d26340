/**
 * The server manager: every server whose file has a `[server_manager]` table gets a managed
 * lifecycle (ManagedServer.ts) that starts the backend on demand and stops it when idle.
 *
 * - Follows hot reload: a server that gains the table is managed from then on, one that loses
 *   it (or is removed) loses its manager (a local process is stopped), a changed table updates
 *   its timings in place or, when it names something else to manage, replaces the manager.
 *   (Infrarust only manages the servers present at start-up.)
 * - `ensureStarted` is what a login calls; the outcome is a value (StartOutcome.ts).
 * - Status pings only ever read states, through {@link ServerManager.layerServerStates}: a ping
 *   can never start a server.
 * - State changes are published in order on one stream for events and SSE; every managed
 *   server's state is also a gauge, and each start attempt's duration a histogram.
 *
 * Closing the layer's scope stops every local process (concurrently, each with its
 * `shutdown_timeout`); panel servers are left as they are.
 */
import { Context, Effect, Equal, Exit, Layer, PubSub, Scope, Stream, SubscriptionRef } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { ServerManagerConfig } from "../config/ServerManagerConfig.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { Events } from "../event/EventBus.ts"
import { Sessions } from "../session/Sessions.ts"
import { ServerStates } from "../status/ServerStates.ts"
import { type AdminResult, type ManagedServer, makeManagedServer, type ServerStatus, type StateChange } from "./ManagedServer.ts"
import { identityOf, settingsOf } from "./ManagerSettings.ts"
import { ServerProviders } from "./ServerProviders.ts"
import type { ManagedState } from "./ServerStateMachine.ts"
import { notManaged, type StartOutcome } from "./StartOutcome.ts"

export type { AdminResult, ServerStatus, StateChange } from "./ManagedServer.ts"
export type { ManagedState } from "./ServerStateMachine.ts"

/** State changes kept for a subscriber that reads slowly; older ones are dropped first. */
const CHANGE_BUFFER = 1024

interface Entry {
  readonly server: ManagedServer
  readonly scope: Scope.Closeable
  readonly identity: string
  config: ServerManagerConfig
  /** The server as last published (a docker provider pings its address). */
  loaded: LoadedServer
}

const make = Effect.gen(function*() {
  const directory = yield* ServersDirectory
  const sessions = yield* Sessions
  const providers = yield* ServerProviders
  // Servers are closed concurrently: each local process gets its own shutdown_timeout, not a share of one.
  const serversScope = yield* Scope.fork(yield* Scope.Scope, "parallel")
  const changes = yield* PubSub.sliding<StateChange>(CHANGE_BUFFER)
  const entries = new Map<string, Entry>()

  const add = Effect.fnUntraced(function*(loaded: LoadedServer, config: ServerManagerConfig) {
    const id = loaded.id
    const scope = yield* Scope.fork(serversScope, "sequential")
    const holder: { entry: Entry | undefined } = { entry: undefined }
    const server = yield* makeManagedServer({
      id,
      settings: settingsOf(config),
      provider: (poke) => providers.make(id, () => holder.entry?.config ?? config, poke, () => holder.entry?.loaded ?? loaded),
      players: sessions.countForServer(id),
      publish: (change) => void PubSub.publishUnsafe(changes, change)
    }).pipe(Scope.provide(scope))
    holder.entry = { server, scope, identity: identityOf(config), config, loaded }
    entries.set(id, holder.entry)
    yield* Effect.logInfo(`server '${id}': managed by ${config.type}`)
  })

  /** Forgets the server first (stateOf says undefined at once), then waits for its provider to let go. */
  const remove = (id: string, entry: Entry, why: string) =>
    Effect.suspend(() => {
      entries.delete(id)
      return Effect.logInfo(`server '${id}': no longer managed (${why})`).pipe(Effect.andThen(Scope.close(entry.scope, Exit.void)))
    })

  const reconcile = (servers: ReadonlyArray<LoadedServer>) =>
    Effect.gen(function*() {
      const wanted = new Map<string, { readonly loaded: LoadedServer; readonly config: ServerManagerConfig }>()
      for (const s of servers) if (s.config.serverManager !== undefined) wanted.set(s.id, { loaded: s, config: s.config.serverManager })
      yield* Effect.forEach(
        [...entries].filter(([id]) => !wanted.has(id)),
        ([id, entry]) => remove(id, entry, "its [server_manager] table or its file is gone"),
        { concurrency: "unbounded", discard: true }
      )
      yield* Effect.forEach(wanted, ([id, { config, loaded }]) =>
        Effect.gen(function*() {
          const entry = entries.get(id)
          if (entry === undefined) return yield* add(loaded, config)
          if (entry.identity !== identityOf(config)) {
            // The old process (if local) must be gone before a new one may take its port.
            yield* remove(id, entry, "it now manages something else")
            return yield* add(loaded, config)
          }
          entry.loaded = loaded
          if (!Equal.equals(entry.config, config)) {
            entry.config = config
            entry.server.setSettings(settingsOf(config))
            yield* Effect.logInfo(`server '${id}': [server_manager] settings updated`)
          }
        }), { concurrency: "unbounded", discard: true })
    })

  let known = yield* SubscriptionRef.get(directory.servers)
  yield* reconcile(known)
  // The stream starts with the current list: a change published since the read above is not lost.
  yield* SubscriptionRef.changes(directory.servers).pipe(
    Stream.filter((next) => next !== known),
    Stream.runForEach((next) => {
      known = next
      return reconcile(next)
    }),
    Effect.forkScoped
  )

  const withServer = <A>(id: string, f: (server: ManagedServer) => Effect.Effect<A>, otherwise: A): Effect.Effect<A> =>
    Effect.suspend(() => {
      const entry = entries.get(id)
      return entry === undefined ? Effect.succeed(otherwise) : f(entry.server)
    })

  const notManagedAdmin: AdminResult = { _tag: "NotManaged" }
  return ServerManager.of({
    ensureStarted: Effect.fn("ServerManager.ensureStarted")(function*(id: string) {
      yield* Effect.annotateCurrentSpan("proxy.route", id)
      return yield* withServer(id, (s) => s.ensureStarted, notManaged)
    }),
    stateOf: (id) => entries.get(id)?.server.status().state,
    list: Effect.sync(() => [...entries.values()].map((e) => e.server.status()).sort((a, b) => a.server.localeCompare(b.server))),
    start: Effect.fn("ServerManager.start")(function*(id: string) {
      yield* Effect.annotateCurrentSpan("proxy.route", id)
      return yield* withServer(id, (s) => s.start, notManagedAdmin)
    }),
    stop: Effect.fn("ServerManager.stop")(function*(id: string) {
      yield* Effect.annotateCurrentSpan("proxy.route", id)
      return yield* withServer(id, (s) => s.stop, notManagedAdmin)
    }),
    changes: Stream.fromPubSub(changes),
    subscribe: Effect.map(PubSub.subscribe(changes), Stream.fromSubscription)
  })
})

export class ServerManager extends Context.Service<ServerManager, {
  /**
   * Makes sure the server is up: joins the start in progress or begins one, and waits for it.
   * A server without `[server_manager]` answers NotManaged at once.
   */
  readonly ensureStarted: (serverId: string) => Effect.Effect<StartOutcome>
  /** The current state; undefined when the server is not managed. Synchronous: status pings read it. */
  readonly stateOf: (serverId: string) => ManagedState | undefined
  /** Every managed server with its state and when it entered it, by id. */
  readonly list: Effect.Effect<ReadonlyArray<ServerStatus>>
  /** Admin start: begins a start without waiting for it. */
  readonly start: (serverId: string) => Effect.Effect<AdminResult>
  /** Admin stop: stops the server now, whoever plays on it. */
  readonly stop: (serverId: string) => Effect.Effect<AdminResult>
  /** State changes from the moment the stream is run. */
  readonly changes: Stream.Stream<StateChange>
  /** State changes from the moment this Effect runs (no change is missed between subscribing and reading). */
  readonly subscribe: Effect.Effect<Stream.Stream<StateChange>, never, Scope.Scope>
}>()("infrarust/server-manager/ServerManager") {
  /** Needs the servers directory, the session registry and the providers (ServerProviders.layer). */
  static readonly layer = Layer.effect(ServerManager, make)

  /** Announces every state change on the event bus (`ServerStateChange`), in order. */
  static readonly layerEvents = Layer.effectDiscard(Effect.gen(function*() {
    const manager = yield* ServerManager
    const events = yield* Events
    const changes = yield* manager.subscribe
    yield* changes.pipe(
      Stream.runForEach((c) => events.notify({ _tag: "ServerStateChange", server: c.server, from: c.from, to: c.to })),
      Effect.forkScoped
    )
  }))

  /**
   * The read-only view the status plane renders MOTDs from. `unknown` (not polled yet, or the
   * panel cannot be read) is no state at all: the status plane then asks the backend.
   */
  static readonly layerServerStates = Layer.effect(
    ServerStates,
    Effect.gen(function*() {
      const manager = yield* ServerManager
      return {
        stateOf: (id: string) => {
          const state = manager.stateOf(id)
          return state === "unknown" ? undefined : state
        }
      }
    })
  )
}
