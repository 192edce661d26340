/**
 * Builds the provider a `[server_manager]` table asks for. A service so that the platform
 * pieces (Node's HTTP client for the panels, Node's child-process spawner for local servers)
 * are chosen once, here, and the manager itself depends on nothing platform-specific.
 */
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodePath from "@effect/platform-node/NodePath"
import { Context, Effect, Layer, type Scope } from "effect"
import { HttpClient } from "effect/http"
import { ChildProcessSpawner } from "effect/process"
import type { ServerManagerConfig } from "../config/ServerManagerConfig.ts"
import { makeCraftyProvider } from "./CraftyProvider.ts"
import { makeExitGuard } from "./ExitGuard.ts"
import { makeLocalProvider } from "./LocalProvider.ts"
import { makePterodactylProvider } from "./PterodactylProvider.ts"
import type { ServerProvider } from "./ServerProvider.ts"

type LocalConfig = Extract<ServerManagerConfig, { readonly type: "local" }>

export class ServerProviders extends Context.Service<ServerProviders, {
  /**
   * The provider for `serverId`, living in the current Scope (closing it stops a local
   * process). `config` is the server's current table: a reload may change its timing keys
   * without replacing the provider; `poke` asks the monitor to poll now.
   */
  readonly make: (
    serverId: string,
    config: () => ServerManagerConfig,
    poke: Effect.Effect<void>
  ) => Effect.Effect<ServerProvider, never, Scope.Scope>
}>()("infrarust/server-manager/ServerProviders") {
  static readonly layer = Layer.effect(
    ServerProviders,
    Effect.gen(function*() {
      const http = yield* HttpClient.HttpClient
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const exitGuard = yield* makeExitGuard
      return ServerProviders.of({
        make: (serverId, config, poke) => {
          const initial = config()
          switch (initial.type) {
            case "local": {
              // The manager replaces the provider when `type` changes, so this stays a local table.
              const local = () => {
                const now = config()
                return now.type === "local" ? now : initial as LocalConfig
              }
              return makeLocalProvider(serverId, local, poke, exitGuard).pipe(
                Effect.provideService(ChildProcessSpawner.ChildProcessSpawner, spawner)
              )
            }
            case "pterodactyl":
              return makePterodactylProvider(serverId, initial).pipe(Effect.provideService(HttpClient.HttpClient, http))
            case "crafty":
              return makeCraftyProvider(serverId, initial).pipe(Effect.provideService(HttpClient.HttpClient, http))
          }
        }
      })
    })
  ).pipe(
    Layer.provide(Layer.mergeAll(
      NodeHttpClient.layerNodeHttp,
      NodeChildProcessSpawner.layer.pipe(Layer.provide(Layer.mergeAll(NodeFileSystem.layer, NodePath.layer)))
    ))
  )
}
