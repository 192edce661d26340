/**
 * A test plugin that switches players on request: a player who says `switch:<server>` in chat
 * (the message never reaches the backend) is sent there with `players.send`, and reads the
 * outcome back in chat as `switch-outcome:<tag>[:<reason>]`. With `redirect_kicks = "<server>"`
 * in its config it also answers KickedFromServer with RedirectTo that server; with
 * `limbo_kicks = "<handler>"`, with SendToLimbo to that limbo handler (`"*"`: the server's own).
 *
 * The send is forked (schedule.after): a ChatMessage listener that awaited a switch of its own
 * player would hold that player's chat while the switch needs it.
 */
import { Effect, Layer, Schema } from "effect"
import { PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

export default {
  id: "switcher",
  version: "0.0.1",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    const { redirect_kicks, limbo_kicks } = yield* Schema.decodeUnknownEffect(
      Schema.Struct({ redirect_kicks: Schema.optionalKey(Schema.String), limbo_kicks: Schema.optionalKey(Schema.String) })
    )(ctx.config)
    yield* ctx.events.on("ChatMessage", (e) => {
      const match = /^switch:(\S+)$/.exec(e.message)
      if (match === null) return Effect.void
      const send = Effect.flatMap(ctx.players.send(e.player.name, match[1]!), (outcome) =>
        ctx.players.message(e.player.name, `switch-outcome:${outcome._tag}${outcome._tag === "Refused" ? `:${outcome.reason}` : ""}`))
      return Effect.as(ctx.schedule.after("1 millis", Effect.asVoid(send)), { _tag: "Deny" } as const)
    })
    if (redirect_kicks !== undefined) {
      yield* ctx.events.on("KickedFromServer", () => Effect.succeed({ _tag: "RedirectTo", server: redirect_kicks } as const))
    }
    if (limbo_kicks !== undefined) {
      const handlers = limbo_kicks === "*" ? [] : [limbo_kicks]
      yield* ctx.events.on("KickedFromServer", () => Effect.succeed({ _tag: "SendToLimbo", handlers } as const))
    }
  }))
} satisfies PluginDefinition
