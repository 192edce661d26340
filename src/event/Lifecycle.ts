/**
 * ProxyInitialize and ProxyShutdown (awaited, as in Infrarust): `initialized` once the proxy
 * listens and its plugins are loaded; `shutdownAfter` registers, in the current scope, the
 * ProxyShutdown that runs when that scope closes — placed below the listener, it fires after the
 * accept loop has stopped and live sessions have drained (their Disconnect events included).
 */
import { Effect, Layer } from "effect"
import { Events } from "./EventBus.ts"

export const initialized: Effect.Effect<void, never, Events> = Effect.flatMap(Events, (events) =>
  events.fire({ _tag: "ProxyInitialize" }, undefined))

export const ShutdownEvent: Layer.Layer<never, never, Events> = Layer.effectDiscard(
  Effect.flatMap(Events, (events) => Effect.addFinalizer(() => events.fire({ _tag: "ProxyShutdown" }, undefined)))
)
