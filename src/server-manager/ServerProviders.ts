/**
 * Builds the provider a `[server_manager]` table asks for. A service so that the platform
 * pieces (Node's HTTP client for the panels, Node's child-process spawner for local servers,
 * the Engine endpoint for containers) are chosen once, here, and the manager itself depends on
 * nothing platform-specific.
 */
import * as NodeChildProcessSpawner from "@effect/platform-node/NodeChildProcessSpawner"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodePath from "@effect/platform-node/NodePath"
import { Config, Context, Effect, Layer, Option, Result, type Scope, SubscriptionRef } from "effect"
import { HttpClient } from "effect/http"
import { ChildProcessSpawner } from "effect/process"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import { chooseEndpoint, parseEndpoint } from "../config/DockerEndpoint.ts"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import type { DockerManagerConfig, ServerManagerConfig } from "../config/ServerManagerConfig.ts"
import { makeCraftyProvider } from "./CraftyProvider.ts"
import { makeDockerProvider } from "./DockerProvider.ts"
import { makeExitGuard } from "./ExitGuard.ts"
import { makeLocalProvider } from "./LocalProvider.ts"
import { makePterodactylProvider } from "./PterodactylProvider.ts"
import { ProviderError, type ProviderKind, type ServerProvider } from "./ServerProvider.ts"

/** A provider whose settings cannot work: every call fails with why, so the state machine says crashed with it. */
const misconfigured = (server: string, kind: ProviderKind, detail: string): ServerProvider => {
  const fail = (operation: ProviderError["operation"]) =>
    Effect.fail(new ProviderError({ server, provider: kind, operation, reason: "Misconfigured", detail }))
  return { kind, start: fail("start"), stop: fail("stop"), status: fail("status") }
}

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
    poke: Effect.Effect<void>,
    /** The server as currently configured (a docker provider pings its address for readiness). */
    server?: () => LoadedServer | undefined
  ) => Effect.Effect<ServerProvider, never, Scope.Scope>
}>()("infrarust/server-manager/ServerProviders") {
  static readonly layer = Layer.effect(
    ServerProviders,
    Effect.gen(function*() {
      const http = yield* HttpClient.HttpClient
      const spawner = yield* ChildProcessSpawner.ChildProcessSpawner
      const exitGuard = yield* makeExitGuard
      // A docker table without `endpoint` uses `[docker] endpoint` of the live config (absent in
      // tests that build the manager alone), else DOCKER_HOST, else the default socket.
      const store = Option.getOrUndefined(yield* Effect.serviceOption(ProxyConfigStore))
      const dockerHost = Option.getOrUndefined(
        yield* Effect.orElseSucceed(Config.option(Config.String("DOCKER_HOST")), () => Option.none<string>())
      )
      const dockerEndpoint = (table: DockerManagerConfig) =>
        Effect.map(store === undefined ? Effect.succeed(undefined) : SubscriptionRef.get(store.config), (config) =>
          chooseEndpoint(table.endpoint ?? config?.docker?.endpoint, dockerHost))
      return ServerProviders.of({
        make: (serverId, config, poke, server = () => undefined) => {
          const initial = config()
          switch (initial.type) {
            case "docker": {
              const docker = () => {
                const now = config()
                return now.type === "docker" ? now : initial
              }
              return Effect.map(dockerEndpoint(initial), (text) => {
                const endpoint = parseEndpoint(text)
                return Result.isSuccess(endpoint)
                  ? makeDockerProvider({ serverId, config: docker, endpoint: endpoint.success, server })
                  : misconfigured(serverId, "docker", `DOCKER_HOST: ${endpoint.failure}`)
              })
            }
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
