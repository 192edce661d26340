/**
 * A test plugin whose listeners misbehave in every way a plugin can: one never returns
 * (ServerPreConnect), one fails (ServerConnected), one throws inside its function (Disconnect),
 * and one dies inside its Effect (ProxyPing). None of it may cost a player their login.
 */
import { Effect, Layer } from "effect"
import type { PluginDefinition } from "infrarust-ts/plugin"
import { PluginContext } from "infrarust-ts/plugin"

export default {
  id: "misbehaving",
  version: "0.0.1",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    yield* ctx.events.on("ServerPreConnect", () => Effect.never)
    yield* ctx.events.on("ServerConnected", () => Effect.fail("refusing to cooperate"))
    yield* ctx.events.on("Disconnect", () => {
      throw new Error("thrown from a listener")
    })
    yield* ctx.events.on("ProxyPing", () => Effect.die(new Error("died in a listener")))
  }))
} satisfies PluginDefinition
