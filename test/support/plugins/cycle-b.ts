/** A test plugin that depends on cycle_a, which depends on it. */
import { Layer } from "effect"
import type { PluginDefinition } from "infrarust-ts/plugin"

export default { id: "cycle_b", version: "0.0.1", dependencies: ["cycle_a"], layer: Layer.empty } satisfies PluginDefinition
