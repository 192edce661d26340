/**
 * The plugins that ship with the proxy (server_wake, queue, auth), handed to the plugin host by
 * the composition root. They are defined above this layer (they reach the server manager), so
 * the host only sees their definitions; without this service (a test that builds the host
 * alone) there are none.
 *
 * Rules the host applies (docs/builtin-plugins.md):
 * - a built-in loads by default, with `[plugins.<id>]` (no `path`) as its settings;
 * - `[plugins.<id>] enabled = false` keeps it out;
 * - a configured plugin (with a `path`) whose module has the same id replaces it.
 */
import { Context, Layer } from "effect"
import type { PluginDefinition } from "./PluginApi.ts"

export class BuiltinPlugins extends Context.Service<BuiltinPlugins, {
  readonly definitions: ReadonlyArray<PluginDefinition>
}>()("infrarust/plugin/BuiltinPlugins") {
  static readonly none = Layer.succeed(BuiltinPlugins, BuiltinPlugins.of({ definitions: [] }))
}
