/**
 * An example plugin: private messages across the network. A backend's own /msg reaches only the
 * players of that backend; these commands run in the proxy, which sees every player.
 *
 *   [plugins.messages]
 *   path = "examples/plugins/private-messages.ts"
 *
 * - /msg <player> <message> (also /tell and /w), for everyone; the player's name completes;
 * - /r <message> (also /reply): answers the last player who wrote to you;
 * - /spy (admins only): copies every private message to you, until you run it again.
 *
 * Registering /msg, /tell and /w takes those names from the backends: vanilla's own /msg is not
 * reached any more through the proxy. Only players on offline and client_only servers can use
 * the commands or receive a message.
 */
import { Effect, Layer, Option } from "effect"
import { type ActionText, PluginContext, type PluginDefinition } from "infrarust-ts/plugin"

const red = (text: string): ActionText => ({ text, color: "red" })
const pink = (text: string): ActionText => ({ text, color: "light_purple" })

export default {
  id: "messages",
  version: "1.0.0",
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const ctx = yield* PluginContext
    /** For /r: who last wrote to each player (lower-case name → the writer's name). */
    const lastWriter = new Map<string, string>()
    /** Admins who asked for a copy of every message. */
    const spies = new Set<string>()

    /** Sends `text` from `from` to the player named `to`; what `from` reads is `reply`'s. */
    const deliver = (from: string, to: string, text: string, reply: (text: ActionText) => Effect.Effect<boolean>) =>
      Effect.gen(function*() {
        const found = yield* ctx.players.find(to)
        if (Option.isNone(found)) return yield* reply(red(`${to} is not online.`))
        const name = found.value.player
        if (name === from) return yield* reply(red("You cannot write to yourself."))
        // false: the player is on a forwarding-mode server, where the proxy cannot write into the game.
        if (!(yield* ctx.players.message(name, pink(`[${from} -> me] ${text}`)))) return yield* reply(red(`${name} cannot receive messages.`))
        lastWriter.set(name.toLowerCase(), from)
        yield* reply(pink(`[me -> ${name}] ${text}`))
        for (const spy of spies) {
          if (spy !== from && spy !== name) yield* ctx.players.message(spy, { text: `[spy] ${from} -> ${name}: ${text}`, color: "gray" })
        }
        return true
      })

    yield* ctx.commands.register("msg", (run) => {
      const [to] = run.args
      // `rest` is the line after the command's name as typed: the message keeps its spacing.
      const text = to === undefined ? "" : run.rest.slice(to.length).trim()
      if (to === undefined || text === "") return Effect.asVoid(run.reply(red(`Usage: /${run.label} <player> <message>`)))
      return Effect.asVoid(deliver(run.player.name, to, text, run.reply))
    }, {
      aliases: ["tell", "w"],
      description: "a private message to a player on any server",
      // The first word is a player: offer the names online (the proxy keeps those that match).
      complete: (request) => request.args.length === 0 ? Effect.map(ctx.players.list, (list) => list.map((s) => s.player)) : Effect.succeed([])
    })

    yield* ctx.commands.register("r", (run) => {
      const to = lastWriter.get(run.player.name.toLowerCase())
      if (to === undefined) return Effect.asVoid(run.reply(red("Nobody has written to you yet.")))
      if (run.rest === "") return Effect.asVoid(run.reply(red(`Usage: /${run.label} <message>`)))
      return Effect.asVoid(deliver(run.player.name, to, run.rest, run.reply))
    }, { aliases: ["reply"], description: "answer the last player who wrote to you" })

    yield* ctx.commands.register("spy", (run) =>
      Effect.gen(function*() {
        const on = !spies.delete(run.player.name)
        if (on) spies.add(run.player.name)
        yield* run.reply(on ? "You now see every private message." : "You no longer see private messages.")
      }), { permission: "admin", description: "see every private message (again: stop)" })
  }))
} satisfies PluginDefinition
