/**
 * The server manager with its real collaborators for tests: a temporary servers directory read
 * by the real ServersDirectory, the real session registry and the real providers; and a
 * recorder of state changes that tests wait on instead of sleeping.
 */
import { NodeFileSystem } from "@effect/platform-node"
import { Deferred, Effect, FileSystem, Layer, type Scope, Stream } from "effect"
import * as NodePath from "node:path"
import { ServersDirectory } from "../../../src/config/ServersDirectory.ts"
import { type ManagedState, ServerManager, type StateChange } from "../../../src/server-manager/ServerManager.ts"
import { ServerProviders } from "../../../src/server-manager/ServerProviders.ts"
import { Sessions } from "../../../src/session/Sessions.ts"
import { captureLogs } from "../../support/LogCapture.ts"
import { type Panel, type PanelFlavor, panelPeer } from "./Panels.ts"

/** ServerManager over `dir`, with the directory, sessions and file system it uses also provided. */
export const managerLayer = (dir: string) =>
  ServerManager.layer.pipe(
    Layer.provideMerge(Layer.mergeAll(ServersDirectory.layerDirectory(dir), Sessions.layer, ServerProviders.layer)),
    Layer.provideMerge(NodeFileSystem.layer)
  )

/** A temporary directory (removed with the scope) holding `files`, and writers for more. */
export const tempDir = Effect.fnUntraced(function*(files: Record<string, string> = {}) {
  const fs = yield* FileSystem.FileSystem
  const dir = yield* fs.makeTempDirectoryScoped()
  const write = (name: string, text: string) => fs.writeFileString(NodePath.join(dir, name), text)
  for (const [name, text] of Object.entries(files)) yield* write(name, text)
  return {
    dir,
    path: (name: string) => NodePath.join(dir, name),
    write,
    remove: (name: string) => fs.remove(NodePath.join(dir, name))
  }
})

export interface Recorder {
  readonly seen: Array<StateChange>
  /** The server's states in order, starting from the state it was in when recording began. */
  readonly states: (server: string) => Array<ManagedState>
  /**
   * Returns at once if the server is in `state`, else waits for a change to it; fails after
   * 15 s (of the test's clock: tests on the TestClock only wait for what needs no time).
   */
  readonly until: (server: string, state: ManagedState) => Effect.Effect<void, Error>
}

/** Records every state change from now on (in the current scope). */
export const recordChanges = Effect.gen(function*() {
  const manager = yield* ServerManager
  const stream = yield* manager.subscribe
  const initial = new Map<string, ManagedState>((yield* manager.list).map((s) => [s.server, s.state]))
  const seen: Array<StateChange> = []
  const waiters: Array<{ readonly match: (c: StateChange) => boolean; readonly done: Deferred.Deferred<void> }> = []
  yield* stream.pipe(
    Stream.runForEach((change) =>
      Effect.suspend(() => {
        seen.push(change)
        const ready = waiters.filter((w) => w.match(change))
        return Effect.forEach(ready, (w) => Deferred.succeed(w.done, undefined), { discard: true })
      })
    ),
    Effect.forkScoped
  )
  const recorder: Recorder = {
    seen,
    states: (server) => {
      const changes = seen.filter((c) => c.server === server)
      const first = changes[0]?.from ?? initial.get(server)
      return [...(first === undefined ? [] : [first]), ...changes.map((c) => c.to)]
    },
    until: (server, state) =>
      Effect.suspend(() => {
        if (manager.stateOf(server) === state) return Effect.void
        const done = Deferred.makeUnsafe<void>()
        waiters.push({ match: (c) => c.server === server && c.to === state, done })
        return Deferred.await(done).pipe(Effect.timeoutOrElse({
          duration: "15 seconds",
          orElse: () => Effect.fail(new Error(`'${server}' did not become ${state}; states seen: ${recorder.states(server).join(" → ")}`))
        }))
      })
  }
  return recorder
})

/** One panel-managed server: its file's domain, the panel's server id and key, and the api_url written. */
export interface PanelServer {
  readonly flavor: PanelFlavor
  readonly domain: string
  readonly serverId: string
  readonly key: string
  /** The `api_url` the file gets from the panel's base URL (Pterodactyl's docs write a trailing slash). */
  readonly apiUrl?: (url: string) => string
}

/**
 * Runs `body` with a manager over a directory holding one server file managed through a real
 * HTTP panel (Panels.ts); `keyInFile` overrides the key the file carries (a wrong key).
 */
export const withPanel = <A>(
  server: PanelServer,
  keyInFile: string | undefined,
  body: (panel: Panel, logs: ReturnType<typeof captureLogs>) => Effect.Effect<A, unknown, ServerManager | Scope.Scope>
) => {
  const logs = captureLogs()
  return Effect.gen(function*() {
    const panel = yield* panelPeer(server.flavor, { key: server.key, serverId: server.serverId })
    const file = `domains = ["${server.domain}"]
addresses = ["127.0.0.1:25565"]

[server_manager]
type = "${server.flavor}"
api_url = "${server.apiUrl?.(panel.url) ?? panel.url}"
api_key = "${keyInFile ?? server.key}"
server_id = "${server.serverId}"
poll_interval = "50ms"
start_timeout = "20s"
`
    // The server id is the file name: the domain's first label ("events.test" → events).
    const files = yield* tempDir({ [`${server.domain.split(".")[0]}.toml`]: file })
    return yield* body(panel, logs).pipe(Effect.provide(managerLayer(files.dir)))
  }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
}
