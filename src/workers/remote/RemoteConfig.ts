/**
 * `ProxyConfigStore` and `ServersDirectory` in a worker thread: the same live values, fed by
 * the coordinator instead of file watchers. The coordinator reads and validates the files
 * (and logs what is wrong with them) once; it pushes every published change to every worker,
 * which decodes it with the same schemas, so all workers route and limit identically and
 * follow hot reload. `reload` asks the coordinator to re-read now.
 */
import { Context, Effect, Layer, SubscriptionRef } from "effect"
import { ProxyConfigStore } from "../../config/ProxyConfigStore.ts"
import { ServersDirectory } from "../../config/ServersDirectory.ts"
import { WorkerChannel } from "../WorkerChannel.ts"

export const layer: Layer.Layer<ProxyConfigStore | ServersDirectory, never, WorkerChannel> = Layer.effectContext(
  Effect.gen(function*() {
    const channel = yield* WorkerChannel
    const initial = yield* SubscriptionRef.get(channel.config)
    const store = ProxyConfigStore.of({
      path: channel.data.configPath,
      config: channel.config,
      reload: channel.link.call("config.reload", undefined)
    })
    const directory = ServersDirectory.of({
      directory: initial.serversDir,
      servers: channel.servers,
      reload: channel.link.call("servers.reload", undefined)
    })
    return Context.make(ProxyConfigStore, store).pipe(Context.add(ServersDirectory, directory))
  })
)
