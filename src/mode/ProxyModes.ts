/**
 * The mode handler for each `proxy_mode`, built once (ModeHandler.ts is the seam): the forwarding
 * family for passthrough, zero_copy, server_only and full (which Infrarust relays like
 * passthrough, as it does), the intercepted family for client_only and offline.
 */
import { Context, Effect, Layer, Scope } from "effect"
import type { ProxyMode } from "../config/ServerConfig.ts"
import { ForwardingMode, type ForwardingServices } from "./ForwardingMode.ts"
import { InterceptedMode, type InterceptedServices } from "./intercepted/InterceptedMode.ts"
import { familyOf, type ModeHandler } from "./ModeHandler.ts"

export class ProxyModes extends Context.Service<ProxyModes, {
  readonly handlerFor: (mode: ProxyMode) => ModeHandler
}>()("infrarust/mode/ProxyModes") {
  static readonly layer = Layer.effect(
    ProxyModes,
    Effect.gen(function*() {
      // Without the layer's own Scope: a login must run in its connection's scope.
      const services = Context.omit(Scope.Scope)(yield* Effect.context<ForwardingServices | InterceptedServices>())
      const forwarding: ModeHandler = {
        family: "forwarding",
        login: (ctx, client, start) => Effect.provide(ForwardingMode.login(ctx, client, start), services)
      }
      const intercepted: ModeHandler = {
        family: "intercepted",
        login: (ctx, client, start) => Effect.provide(InterceptedMode.login(ctx, client, start), services)
      }
      return ProxyModes.of({ handlerFor: (mode) => (familyOf(mode) === "intercepted" ? intercepted : forwarding) })
    })
  )
}
