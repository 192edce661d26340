/**
 * ConfigReload, for every change that takes effect: a new `infrarust.toml` (source "config") or a
 * changed servers directory (source "servers", with the ids added, updated and removed). Fired
 * from the values the stores publish, so a file that failed to parse (and kept its last good
 * version) fires nothing.
 */
import { Effect, Layer, Stream, SubscriptionRef } from "effect"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { ServersDirectory } from "../config/ServersDirectory.ts"
import { diffServers, isEmptyChange } from "../config/ServerList.ts"
import { Events } from "./EventBus.ts"

/** Calls `f` with each value `ref` publishes after the current one (none published meanwhile is lost). */
const afterCurrent = <A>(ref: SubscriptionRef.SubscriptionRef<A>, f: (previous: A, next: A) => Effect.Effect<void>) =>
  Effect.gen(function*() {
    let known = yield* SubscriptionRef.get(ref)
    yield* SubscriptionRef.changes(ref).pipe(
      Stream.filter((next) => next !== known),
      Stream.runForEach((next) => {
        const previous = known
        known = next
        return f(previous, next)
      }),
      Effect.forkScoped
    )
  })

export const ReloadEvents = Layer.effectDiscard(Effect.gen(function*() {
  const events = yield* Events
  const store = yield* ProxyConfigStore
  const directory = yield* ServersDirectory
  yield* afterCurrent(store.config, () => events.notify({ _tag: "ConfigReload", source: "config", added: [], updated: [], removed: [] }))
  yield* afterCurrent(directory.servers, (previous, next) => {
    const change = diffServers(previous, next)
    return isEmptyChange(change) ? Effect.void : events.notify({ _tag: "ConfigReload", source: "servers", ...change })
  })
}))
