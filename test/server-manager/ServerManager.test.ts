/**
 * The manager as a whole, with the real ServersDirectory on a temp directory: hot reload (a
 * server gaining, changing and losing `[server_manager]`), and the status plane reading states
 * through `ServerManager.layerServerStates` (state MOTDs without backend contact, and a flood of
 * pings never starting anything).
 */
import { NodeFileSystem } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Stream } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Balancer } from "../../src/backend/Balancer.ts"
import { ProxyConfigStore } from "../../src/config/ProxyConfigStore.ts"
import { ServersDirectory } from "../../src/config/ServersDirectory.ts"
import { NextState } from "../../src/protocol/Handshake.ts"
import { Router } from "../../src/routing/Router.ts"
import { ServerManager } from "../../src/server-manager/ServerManager.ts"
import { ServerProviders } from "../../src/server-manager/ServerProviders.ts"
import { Sessions } from "../../src/session/Sessions.ts"
import { StatusCache } from "../../src/status/StatusCache.ts"
import { StatusService } from "../../src/status/StatusService.ts"
import { eventually } from "../config/support.ts"
import { handshakeContext } from "../support/Contexts.ts"
import { captureLogs } from "../support/LogCapture.ts"
import { writeProxyDir } from "../support/ProxyDir.ts"
import { statusBackend } from "../status/support/StatusPeers.ts"
import { type Panel, panelPeer } from "./support/Panels.ts"
import { managerLayer, recordChanges, tempDir } from "./support/Stack.ts"

const KEY = "ptlc_reload"

const plainServer = (port: number) => `domains = ["lobby.test"]\naddresses = ["127.0.0.1:${port}"]\n`
const managedServer = (port: number, panel: Panel, table: { readonly serverId?: string; readonly extra?: string } = {}) =>
  `${plainServer(port)}
[server_manager]
type = "pterodactyl"
api_url = "${panel.url}"
api_key = "${KEY}"
server_id = "${table.serverId ?? "lobby1"}"
poll_interval = "50ms"
${table.extra ?? ""}
`

describe("ServerManager", () => {
  it.live("hot reload: a server gaining [server_manager] is managed from then on; timing edits apply in place; a new target replaces it; removal unmanages it", () => {
    const logs = captureLogs()
    return Effect.gen(function*() {
      const panel = yield* panelPeer("pterodactyl", { key: KEY, serverId: "lobby1", state: "running" })
      const other = yield* panelPeer("pterodactyl", { key: KEY, serverId: "lobby2", state: "offline" })
      const files = yield* tempDir({ "lobby.toml": plainServer(25565) })
      yield* Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        assert.deepStrictEqual(yield* manager.list, [])
        assert.strictEqual((yield* manager.ensureStarted("lobby"))._tag, "NotManaged")

        yield* files.write("lobby.toml", managedServer(25565, panel))
        yield* changes.until("lobby", "online")
        const listed = yield* manager.list
        assert.deepStrictEqual(listed.map((s) => [s.server, s.provider, s.state]), [["lobby", "pterodactyl", "online"]])

        // Only a timing key changes: same manager, same state, no new transition.
        const seen = changes.seen.length
        yield* files.write("lobby.toml", managedServer(25565, panel, { extra: `shutdown_after = "1h"` }))
        yield* eventually(() => logs.lines.some((l) => l.message === "server 'lobby': [server_manager] settings updated"))
        assert.strictEqual(manager.stateOf("lobby"), "online")
        assert.strictEqual(changes.seen.length, seen)

        // Another game server on another panel: a new manager, which finds it stopped.
        yield* files.write("lobby.toml", managedServer(25565, other, { serverId: "lobby2" }))
        yield* changes.until("lobby", "sleeping")
        assert.isTrue(logs.lines.some((l) => l.message === "server 'lobby': no longer managed (it now manages something else)"))
        assert.isAbove(other.count((c) => c.method === "GET"), 0)

        yield* files.write("lobby.toml", plainServer(25565))
        yield* eventually(() => manager.stateOf("lobby") === undefined)
        assert.deepStrictEqual(yield* manager.list, [])
        assert.strictEqual(panel.count((c) => c.method === "POST") + other.count((c) => c.method === "POST"), 0, "a reload starts or stops nothing")
      }).pipe(Effect.provide(managerLayer(files.dir)))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, logs.layer)))
  }, { timeout: 30_000 })

  it.live("status pings show the manager's state MOTDs, never reach a sleeping backend and never start it", () =>
    Effect.gen(function*() {
      const backend = yield* statusBackend(() => ({ version: { name: "1.20.4", protocol: 765 }, players: { max: 20, online: 0 }, description: "awake" }))
      const panel = yield* panelPeer("pterodactyl", { key: KEY, serverId: "lobby1", state: "offline" })
      const dir = yield* Effect.acquireRelease(
        Effect.sync(() => mkdtempSync(join(tmpdir(), "server-manager-status-"))),
        (d) => Effect.sync(() => rmSync(d, { recursive: true, force: true }))
      )
      const proxyDir = writeProxyDir(dir, {
        servers: { "lobby.toml": managedServer(backend.port, panel, { extra: `\n[motd.sleeping]\ntext = "zzz, join to wake me"\n` }) }
      })
      const routing = Router.layer.pipe(Layer.provideMerge(ServersDirectory.layer), Layer.provideMerge(ProxyConfigStore.layer(proxyDir.configPath)))
      const managed = ServerManager.layerServerStates.pipe(
        Layer.provideMerge(ServerManager.layer),
        Layer.provideMerge(Layer.mergeAll(Sessions.layer, ServerProviders.layer))
      )
      const stack = StatusService.layer.pipe(
        Layer.provideMerge(StatusCache.layer),
        Layer.provideMerge(Balancer.sequential),
        Layer.provideMerge(managed),
        Layer.provideMerge(routing),
        Layer.provideMerge(NodeFileSystem.layer)
      )
      yield* Effect.gen(function*() {
        const manager = yield* ServerManager
        const status = yield* StatusService
        const router = yield* Router
        const changes = yield* recordChanges
        const respond = Effect.gen(function*() {
          const route = (yield* router.resolve("lobby.test")).route
          return yield* status.respond(handshakeContext({ host: "lobby.test", route, nextState: NextState.Status }))
        })

        yield* changes.until("lobby", "sleeping")
        for (let i = 0; i < 50; i++) assert.include(yield* respond, "zzz, join to wake me")
        assert.strictEqual(backend.served(), 0, "a sleeping backend is not asked")
        assert.strictEqual(panel.count((c) => c.method === "POST"), 0, "pings start nothing")
        assert.strictEqual(manager.stateOf("lobby"), "sleeping")

        panel.reads = 1_000_000
        assert.deepStrictEqual(yield* manager.start("lobby"), { _tag: "Accepted", state: "starting" })
        assert.include(yield* respond, "Server is starting")
        panel.reads = 0
        yield* changes.until("lobby", "online")
        assert.include(yield* respond, "awake")
        assert.strictEqual(backend.served(), 1)
      }).pipe(Effect.provide(stack))
    }).pipe(Effect.provide(captureLogs().layer)), { timeout: 30_000 })

  it.live("a subscriber reacting to a change inside its delivery cannot reorder what the machine asked for", () =>
    Effect.gen(function*() {
      const panel = yield* panelPeer("pterodactyl", { key: KEY, serverId: "lobby1", state: "offline", reads: 2 })
      const files = yield* tempDir({ "lobby.toml": managedServer(25565, panel) })
      yield* Effect.gen(function*() {
        const manager = yield* ServerManager
        const changes = yield* recordChanges
        // An admin tool that stops whatever starts (the stop is requested while "starting" is delivered).
        const stream = yield* manager.subscribe
        yield* stream.pipe(
          Stream.runForEach((c) => (c.to === "starting" ? Effect.asVoid(manager.stop("lobby")) : Effect.void)),
          Effect.forkScoped
        )
        yield* changes.until("lobby", "sleeping")
        assert.strictEqual((yield* manager.start("lobby"))._tag, "Accepted")
        yield* Effect.promise(() => panel.waitForCall((c) => c.body.includes(`"stop"`)))
        yield* changes.until("lobby", "sleeping")
        assert.deepStrictEqual(panel.calls.filter((c) => c.method === "POST").map((c) => c.body), [
          JSON.stringify({ signal: "start" }),
          JSON.stringify({ signal: "stop" })
        ])
        assert.deepStrictEqual(changes.states("lobby").filter((s, i) => i > 0 || s !== "unknown"), ["sleeping", "starting", "stopping", "sleeping"])
      }).pipe(Effect.provide(managerLayer(files.dir)))
    }).pipe(Effect.provide(Layer.merge(NodeFileSystem.layer, captureLogs().layer))), { timeout: 30_000 })
})
