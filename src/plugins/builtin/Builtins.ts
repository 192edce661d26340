/**
 * The plugins that ship with the proxy, as the plugin host's BuiltinPlugins service: server_wake
 * (it needs the server manager, which is why the built-ins live above it), queue and auth. Each
 * is an ordinary plugin Layer with the proxy's version; docs/builtin-plugins.md describes them.
 */
import { Effect, Layer } from "effect"
import packageJson from "../../../package.json" with { type: "json" }
import { BuiltinPlugins } from "../../plugin/BuiltinPlugins.ts"
import { ServerManager } from "../../server-manager/ServerManager.ts"
import { queuePlugin } from "./QueuePlugin.ts"
import { serverWakePlugin } from "./ServerWakePlugin.ts"

export const BuiltinPluginsLive = Layer.effect(
  BuiltinPlugins,
  Effect.gen(function*() {
    const manager = yield* ServerManager
    return BuiltinPlugins.of({ definitions: [serverWakePlugin(manager, packageJson.version), queuePlugin(packageJson.version)] })
  })
)
