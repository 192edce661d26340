/**
 * The plugins that ship with the proxy, as the plugin host's BuiltinPlugins service: server_wake
 * (it needs the server manager, which is why the built-ins live above it), queue and auth
 * (its account file goes through the proxy's FileSystem). Each
 * is an ordinary plugin Layer with the proxy's version; docs/builtin-plugins.md describes them.
 */
import { Effect, FileSystem, Layer } from "effect"
import packageJson from "../../../package.json" with { type: "json" }
import { BuiltinPlugins } from "../../plugin/BuiltinPlugins.ts"
import { ServerManager } from "../../server-manager/ServerManager.ts"
import { authPlugin } from "./AuthPlugin.ts"
import { queuePlugin } from "./QueuePlugin.ts"
import { serverWakePlugin } from "./ServerWakePlugin.ts"

export const BuiltinPluginsLive = Layer.effect(
  BuiltinPlugins,
  Effect.gen(function*() {
    const manager = yield* ServerManager
    const fs = yield* FileSystem.FileSystem
    const version = packageJson.version
    return BuiltinPlugins.of({ definitions: [serverWakePlugin(manager, version), queuePlugin(version), authPlugin(fs, version)] })
  })
)
