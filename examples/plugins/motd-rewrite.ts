/**
 * An example plugin: rewrites the server list entry players see, for every server (or the ones
 * listed), cached replies included.
 *
 *   [plugins.motd_rewrite]
 *   path = "examples/plugins/motd-rewrite.ts"
 *
 *   [plugins.motd_rewrite.config]
 *   motd = "§6{server} §7— {online} playing"   # {server}, {host}, {online}, {max}
 *   servers = ["survival"]                     # optional: only these servers
 *
 * It listens to ProxyPing: the listener gets the reply the proxy was about to send (from the
 * backend, the status cache or a MOTD state) and returns a changed copy.
 */
import { Effect, Layer, Schema } from "effect"
import { PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

/** The plugin's own settings, checked once at load: a mistake stops this plugin with a clear message. */
const Settings = Schema.Struct({
  motd: Schema.String,
  servers: Schema.optionalKey(Schema.Array(Schema.String))
})

const fill = (template: string, values: Readonly<Record<string, string | number>>) =>
  template.replace(/\{(\w+)\}/g, (whole, key: string) => (key in values ? String(values[key]) : whole))

export default {
  id: "motd_rewrite",
  version: "1.0.0",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const settings = yield* Schema.decodeUnknownEffect(Settings)(ctx.config)
    const only = settings.servers === undefined ? undefined : new Set(settings.servers)
    yield* ctx.events.on("ProxyPing", (ping, reply) => {
      if (ping.server === undefined || (only !== undefined && !only.has(ping.server))) return Effect.void
      const motd = fill(settings.motd, { server: ping.server, host: ping.host, online: reply.players.online, max: reply.players.max })
      return Effect.succeed({ ...reply, description: { text: motd } })
    })
    yield* Effect.logInfo(`rewriting the MOTD of ${only === undefined ? "every server" : [...only].join(", ")}`)
  }))
} satisfies PluginDefinition
