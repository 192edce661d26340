/**
 * The registry capture hook (1.20.2+): while the session loop relays a backend's configuration
 * phase, the registry frames it sends (Registry Data, Known Packs, Feature Flags, Tags) are
 * copied and handed to `onConfigurationFrames(protocol, frames)` when that phase finishes, so a
 * proxy-hosted world (limbo) can cache them per protocol and replay them later.
 *
 * A Context.Reference: unset by default, and then the loop copies nothing (no cost). A layer that
 * wants the frames provides it, e.g.
 *   Layer.succeed(ConfigurationFrames, { onConfigurationFrames: (protocol, frames) => cache.set(protocol, frames) })
 * The hook runs synchronously inside the loop's read callback: keep it short and never throw.
 */
import { Context, Effect, Layer } from "effect"
import { LimboRegistries } from "../../limbo/LimboRegistries.ts"
import type { ConfigurationFramesHook } from "./SessionLoop.ts"

export type { ConfigurationFrame, ConfigurationFramesHook } from "./SessionLoop.ts"

export const ConfigurationFrames = Context.Reference<{ readonly onConfigurationFrames?: ConfigurationFramesHook | undefined }>(
  "infrarust/mode/intercepted/ConfigurationFrames",
  { defaultValue: () => ({}) }
)

/** The limbo's cache fed by every intercepted session's backend configuration phase. */
export const configurationFramesToLimbo = Layer.effect(
  ConfigurationFrames,
  Effect.gen(function*() {
    const registries = yield* LimboRegistries
    const onConfigurationFrames: ConfigurationFramesHook = (protocol, frames) => void registries.remember(protocol, frames)
    return { onConfigurationFrames }
  })
)
