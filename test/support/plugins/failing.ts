/** A test plugin whose Layer fails while loading, and one that depends on it. */
import { Effect, Layer } from "effect"
import type { PluginDefinition } from "infrarust-ts/plugin"

export default { id: "failing", version: "0.0.1", layer: Layer.effectDiscard(Effect.fail("cannot open my database")) } satisfies PluginDefinition
