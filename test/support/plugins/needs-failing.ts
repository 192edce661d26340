/** A test plugin that depends on `failing` (which cannot load), so it cannot load either. */
import { Layer } from "effect"
import type { PluginDefinition } from "infrarust-ts/plugin"

export default { id: "needs_failing", version: "0.0.1", dependencies: ["failing"], layer: Layer.empty } satisfies PluginDefinition
