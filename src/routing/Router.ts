/**
 * The live routing table: an immutable `RoutingTable` snapshot in a `SubscriptionRef`,
 * rebuilt whenever the servers directory publishes a new list of server files.
 *
 * A connection resolves once and keeps the entry it got, even if the table changes while it
 * is relayed (gate's snapshot rule): hot reload affects new connections only.
 */
import { Context, Effect, Layer, Stream, SubscriptionRef } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { normalizeHost } from "./HostName.ts"
import * as RoutingTable from "./RoutingTable.ts"

export type Route = RoutingTable.Match<LoadedServer>

/** A looked-up host: the normalised key, and the route when one matched. */
export interface Resolution {
  readonly host: string
  readonly route: Route | undefined
}

const build = (servers: ReadonlyArray<LoadedServer>) =>
  RoutingTable.make(servers.map((s) => ({ id: s.id, file: s.file, domains: s.config.domains, value: s })))

/** The live table; `reportIssues` = log routing conflicts and warnings on every rebuild. */
const make = (reportIssues: boolean) =>
  Effect.gen(function*() {
    const directory = yield* ServersDirectory
    const table = yield* SubscriptionRef.make(RoutingTable.empty<LoadedServer>())
    // The same snapshot as a plain value, for synchronous lookups (set together with the ref).
    let current = RoutingTable.empty<LoadedServer>()
    const resolveNow = (rawHost: string): Resolution => {
      const host = normalizeHost(rawHost)
      return { host, route: RoutingTable.resolveNormalized(current, host) }
    }
    const publish = (servers: ReadonlyArray<LoadedServer>) =>
      Effect.gen(function*() {
        const built = build(servers)
        if (reportIssues) {
          for (const issue of [...built.conflicts, ...built.warnings]) {
            yield* Effect.logWarning(RoutingTable.formatIssue(issue))
          }
        }
        current = built.table
        yield* SubscriptionRef.set(table, built.table)
      })
    // The first value is published before the layer is ready, so the listener never sees
    // an empty table at start-up.
    yield* publish(yield* SubscriptionRef.get(directory.servers))
    yield* SubscriptionRef.changes(directory.servers).pipe(
      Stream.drop(1),
      Stream.runForEach(publish),
      Effect.forkScoped
    )
    return Router.of({
      table,
      server: (id) => Effect.map(SubscriptionRef.get(table), (t) => t.byId.get(id)?.value),
      resolve: (rawHost) => Effect.sync(() => resolveNow(rawHost)),
      resolveNow
    })
  })

export class Router extends Context.Service<Router, {
  readonly table: SubscriptionRef.SubscriptionRef<RoutingTable.RoutingTable<LoadedServer>>
  /** The server with this id in the current snapshot. */
  readonly server: (id: string) => Effect.Effect<LoadedServer | undefined>
  /** Normalises the handshake host once and looks it up in the current snapshot. */
  readonly resolve: (rawHost: string) => Effect.Effect<Resolution>
  /** {@link resolve}, synchronously (the cached-status shortcut). */
  readonly resolveNow: (rawHost: string) => Resolution
}>()("infrarust/routing/Router") {
  static readonly layer = Layer.effect(Router, make(true))

  /**
   * The same table without the warnings: a worker thread builds it from the servers the
   * coordinator pushed, and the coordinator has already logged what is wrong with them.
   */
  static readonly layerQuiet = Layer.effect(Router, make(false))
}
