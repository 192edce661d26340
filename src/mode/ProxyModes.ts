/**
 * The mode handler for each `proxy_mode`, built once (ModeHandler.ts is the seam).
 *
 * Until the intercepted family exists, `offline` and `full` are relayed like passthrough (the
 * start-up report says so) and `client_only` logins are refused: relaying raw bytes to its
 * offline-mode backend would let anyone join unauthenticated.
 */
import { Context, Effect, Layer, Scope } from "effect"
import type { ProxyMode } from "../config/ServerConfig.ts"
import { refuse } from "../security/Refusal.ts"
import { refuseConnection } from "../security/Refuse.ts"
import { ForwardingMode, type ForwardingServices } from "./ForwardingMode.ts"
import type { ModeHandler } from "./ModeHandler.ts"

export class ProxyModes extends Context.Service<ProxyModes, {
  readonly handlerFor: (mode: ProxyMode) => ModeHandler
}>()("infrarust/mode/ProxyModes") {
  static readonly layer = Layer.effect(
    ProxyModes,
    Effect.gen(function*() {
      // Without the layer's own Scope: a login must run in its connection's scope.
      const services = Context.omit(Scope.Scope)(yield* Effect.context<ForwardingServices>())
      const forwarding: ModeHandler = {
        family: "forwarding",
        login: (ctx, client, start) => Effect.provide(ForwardingMode.login(ctx, client, start), services)
      }
      const clientOnly: ModeHandler = {
        family: "intercepted",
        login: (ctx, client) =>
          Effect.provide(
            refuseConnection(client.socket, refuse(
              "Error",
              `server '${ctx.route?.entry.id}' uses proxy_mode = "client_only", which infrarust-ts does not implement yet; login refused`,
              "This server needs proxy-side authentication, which this proxy does not support yet."
            )),
            services
          )
      }
      return ProxyModes.of({ handlerFor: (mode) => (mode === "client_only" ? clientOnly : forwarding) })
    })
  )
}
