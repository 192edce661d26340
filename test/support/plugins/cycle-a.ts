/** A test plugin that depends on cycle_b, which depends on it. */
import { Layer } from "effect"
import type { PluginDefinition } from "infrarust-ts/plugin"

export default { id: "cycle_a", version: "0.0.1", dependencies: ["cycle_b"], layer: Layer.empty } satisfies PluginDefinition
