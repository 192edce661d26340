/**
 * An example plugin: maintenance mode. While it is loaded, only the listed players may join the
 * listed servers (all servers when none are listed); everyone else is refused with a message.
 *
 *   [plugins.maintenance]
 *   path = "examples/plugins/maintenance.ts"
 *
 *   [plugins.maintenance.config]
 *   allowed = ["Notch", "jeb_"]            # names, any case
 *   message = "We are upgrading the server. Back in 10 minutes!"
 *   servers = ["survival"]                 # optional
 *
 * It listens to ServerPreConnect early (Priority.EARLY), before other plugins pick a server, and
 * answers Denied: the proxy then shows the message as the login disconnect. Remove the
 * [plugins.maintenance] table (or set enabled = false) and restart to open up again.
 */
import { Effect, Layer, Schema } from "effect"
import { PluginContext, type PluginDefinition, Priority } from "infrarust-ts/plugin"

const Settings = Schema.Struct({
  allowed: Schema.Array(Schema.String),
  message: Schema.optionalKey(Schema.String),
  servers: Schema.optionalKey(Schema.Array(Schema.String))
})

export default {
  id: "maintenance",
  version: "1.0.0",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const settings = yield* Schema.decodeUnknownEffect(Settings)(ctx.config)
    const allowed = new Set(settings.allowed.map((name) => name.toLowerCase()))
    const servers = settings.servers === undefined ? undefined : new Set(settings.servers)
    const message = settings.message ?? "This server is under maintenance. Please come back later."
    yield* ctx.events.on("ServerPreConnect", (event) => {
      if (servers !== undefined && !servers.has(event.server)) return Effect.void
      if (allowed.has(event.player.name.toLowerCase())) return Effect.void
      return Effect.as(
        Effect.logInfo(`kept ${event.player.name} out of '${event.server}' during maintenance`),
        { _tag: "Denied", reason: message } as const
      )
    }, { priority: Priority.EARLY })
  }))
} satisfies PluginDefinition
