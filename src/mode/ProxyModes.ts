/**
 * The mode handler for each `proxy_mode`, built once (ModeHandler.ts is the seam): the forwarding
 * family for passthrough, zero_copy, server_only and full (which Infrarust relays like
 * passthrough, as it does), the intercepted family for client_only and offline.
 *
 * A login reads the services of its mode from the connection's own context (the connection
 * handler starts every connection fiber with one context holding them all): providing them here
 * would copy every service into each connection, kilobytes per idle player.
 */
import { Context, Layer, type Scope } from "effect"
import type { ProxyMode } from "../config/ServerConfig.ts"
import { ForwardingMode, type ForwardingServices } from "./ForwardingMode.ts"
import { InterceptedMode, type InterceptedServices } from "./intercepted/InterceptedMode.ts"
import { familyOf, type ModeHandler } from "./ModeHandler.ts"

/** What the modes' logins read (besides the connection's Scope). */
export type ModeServices = Exclude<ForwardingServices | InterceptedServices, Scope.Scope>

export class ProxyModes extends Context.Service<ProxyModes, {
  readonly handlerFor: (mode: ProxyMode) => ModeHandler<ModeServices>
}>()("infrarust/mode/ProxyModes") {
  static readonly layer = Layer.succeed(ProxyModes, {
    handlerFor: (mode) => (familyOf(mode) === "intercepted" ? intercepted : forwarding)
  })
}

const forwarding: ModeHandler<ModeServices> = { family: "forwarding", login: ForwardingMode.login }
const intercepted: ModeHandler<ModeServices> = { family: "intercepted", login: InterceptedMode.login }
