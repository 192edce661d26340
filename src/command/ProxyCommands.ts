/**
 * What each `/ir` subcommand does (the table of their arguments is Subcommands.ts): its run and
 * its tab completion. Replies are short chat lines to the player who ran it; a mistake (an unknown
 * player or server, a missing argument) is a reply, never a failure.
 *
 * `server <name>` and `send` ask the player's session to switch (`PlayerAction` Switch); the
 * session's mode carries it out and tells the player if it fails. `server` alone lists, and
 * completes, only the servers the player may switch to (ServerChoice.ts). Server names are ids,
 * matched in any case when that names one server only.
 */
import { Effect, Option } from "effect"
import type { LoadedServer } from "../config/ConfigLoader.ts"
import type { ActionText } from "../session/PlayerAction.ts"
import { serverOf, type SessionInfo } from "../session/Session.ts"
import type { Sessions } from "../session/Sessions.ts"
import type { Caller } from "./Commands.ts"
import { mayUse, usableSubcommands } from "./CommandPermissions.ts"
import { matching, restFrom } from "./CommandLine.ts"
import { listLines, placeOf, versionLine, whereLine } from "./PlayerLines.ts"
import { labelsOf, type PluginCommand, type PluginCommandTable } from "./PluginCommands.ts"
import { choicesFrom, matchServer } from "./ServerChoice.ts"
import { requiredArgs, subcommandNamed, usageOf } from "./Subcommands.ts"

export interface PluginSummary {
  readonly id: string
  readonly version: string
  readonly enabled: boolean
}

/** What the subcommands work with (the registry builds it). */
export interface ProxyCommandsEnv {
  readonly sessions: Sessions["Service"]
  /** The servers loaded now, in the routing table's order. */
  readonly servers: Effect.Effect<ReadonlyArray<LoadedServer>>
  readonly playerCommands: Effect.Effect<ReadonlyArray<string>>
  readonly plugins: Effect.Effect<ReadonlyArray<PluginSummary>>
  readonly table: PluginCommandTable
  /** Runs a plugin's command for the caller (its timeout, its failures logged). */
  readonly runPlugin: (caller: Caller, command: PluginCommand, label: string, line: string, reply: Reply) => Effect.Effect<void>
  readonly completePlugin: (caller: Caller, command: PluginCommand, label: string, words: ReadonlyArray<string>, partial: string) => Effect.Effect<ReadonlyArray<string>>
}

export type Reply = (text: ActionText) => Effect.Effect<void>

/** One run: the words after the subcommand's name, and the line from them on (for free text). */
interface Run {
  readonly caller: Caller
  readonly args: ReadonlyArray<string>
  readonly rest: string
  readonly reply: Reply
}

const red = (text: string) => ({ text, color: "red" })
const green = (text: string) => ({ text, color: "green" })
const gold = (text: string) => ({ text, color: "gold" })
const gray = (text: string) => ({ text, color: "gray" })

const lines = (reply: Reply, texts: ReadonlyArray<ActionText>) => Effect.forEach(texts, reply, { discard: true })

export const makeProxyCommands = (env: ProxyCommandsEnv) => {
  const { sessions } = env
  const serverIds = Effect.map(env.servers, (list) => list.map((s) => s.id))

  const findPlayer = (key: string): Effect.Effect<SessionInfo | undefined> =>
    Effect.flatMap(sessions.findByName(key), (byName) =>
      Option.isSome(byName) ? Effect.succeed(byName.value) : Effect.map(sessions.findByUuid(key.toLowerCase()), Option.getOrUndefined))

  const withPlayer = (run: Run, key: string, f: (s: SessionInfo) => Effect.Effect<void>) =>
    Effect.flatMap(findPlayer(key), (s) => (s === undefined ? run.reply(red(`Player '${key}' is not online.`)) : f(s)))

  /** Runs `f` with the id `typed` names; else the reply says why it names none. */
  const withServer = (run: Run, typed: string, f: (id: string) => Effect.Effect<void>) =>
    Effect.flatMap(serverIds, (ids) => {
      const match = matchServer(ids, typed)
      switch (match._tag) {
        case "Found":
          return f(match.id)
        case "Unknown":
          return run.reply(red(`Server '${typed}' not found.`))
        case "Ambiguous":
          return run.reply(red(`Server '${typed}' is ambiguous: ${match.ids.join(", ")}.`))
      }
    })

  const audit = (run: Run, what: string) => Effect.logInfo(`${run.caller.player.name} ran /ir ${what}`)

  const help = (run: Run) =>
    Effect.gen(function*() {
      const opened = yield* env.playerCommands
      const subs = usableSubcommands(run.caller.admin, opened).map((n) => subcommandNamed(n)!)
      const plugins = env.table.visible(run.caller.admin)
      const [topic] = run.args
      if (topic !== undefined) {
        const name = topic.toLowerCase().replace(/^\//, "")
        const sub = subs.find((s) => s.name === name)
        if (sub !== undefined) return yield* lines(run.reply, [gold(usageOf(sub)), gray(sub.description)])
        const plugin = plugins.find(([label]) => label === name)
        if (plugin !== undefined) return yield* lines(run.reply, [gold(`/${plugin[0]}`), gray(plugin[1].description ?? `a command of plugin '${plugin[1].owner}'`)])
        return yield* run.reply(red(`Unknown command '${topic}'. Try /ir help.`))
      }
      yield* lines(run.reply, [
        gold("Proxy commands:"),
        ...subs.map((s) => gray(`${usageOf(s)} - ${s.description}`)),
        ...plugins.map(([label, c]) => gray(`/${label}${c.description === undefined ? "" : ` - ${c.description}`}`))
      ])
    })

  const mySession = (caller: Caller) => Effect.map(sessions.get(caller.player.session), Option.getOrUndefined)

  /** `/ir server` alone: where the player is, and the servers it may switch to, its own marked. */
  const serverList = (run: Run, me: SessionInfo | undefined) =>
    Effect.gen(function*() {
      const current = me === undefined ? undefined : serverOf(me.state)
      if (me === undefined || current === undefined) return yield* run.reply(me === undefined ? "You are not on a server." : `You are ${whereLine(me)}.`)
      const choices = choicesFrom(yield* env.servers, current)
      yield* lines(run.reply, [
        `You are ${whereLine(me)}.`,
        choices._tag === "Network"
          ? gray(`Servers: ${choices.ids.map((id) => (id === current ? `${id} (current)` : id)).join(", ")}`)
          : gray(`You cannot switch servers from ${current}: ${choices._tag === "Isolated" ? "it belongs to no network" : "it is no longer loaded"}.`)
      ])
    })

  const server = (run: Run) =>
    Effect.gen(function*() {
      const me = yield* mySession(run.caller)
      const [target] = run.args
      if (target === undefined) return yield* serverList(run, me)
      yield* withServer(run, target, (id) =>
        Effect.gen(function*() {
          if (me?.state._tag === "Playing" && me.state.server === id) return yield* run.reply(`You are already on ${id}.`)
          yield* run.reply(gray(`Connecting you to ${id}...`))
          // A refused switch tells the player why itself ("Server switch failed: ...").
          const outcome = yield* sessions.switchTo(run.caller.player.session, id)
          if (outcome._tag === "NotIntercepted" || outcome._tag === "NotFound") yield* run.reply(red(`Could not move you to ${id}.`))
        }))
    })

  const send = (run: Run) =>
    withPlayer(run, run.args[0]!, (s) =>
      withServer(run, run.args[1]!, (id) =>
        Effect.gen(function*() {
          if (s.state._tag === "Playing" && s.state.server === id) return yield* run.reply(`${s.player} is already on ${id}.`)
          yield* audit(run, `send ${s.player} ${id}`)
          const outcome = yield* sessions.switchTo(s.id, id)
          yield* run.reply(
            outcome._tag === "Switched"
              ? green(`Sent ${s.player} to ${id}.`)
              : red(`Could not send ${s.player} to ${id}${outcome._tag === "Refused" ? `: ${outcome.reason}` : "."}`)
          )
        })))

  const kick = (run: Run) =>
    withPlayer(run, run.args[0]!, (s) =>
      Effect.gen(function*() {
        const reason = restFrom(run.rest, 1) || "Kicked by an operator"
        yield* audit(run, `kick ${s.player} (${reason})`)
        const kicked = yield* sessions.kick(s.id, reason)
        yield* run.reply(kicked ? green(`Kicked ${s.player}.`) : red(`${s.player} is already gone.`))
      }))

  const broadcast = (run: Run) =>
    Effect.gen(function*() {
      const words = run.args
      const flag = words.indexOf("--server")
      const target = flag >= 0 ? words[flag + 1] : undefined
      if (flag >= 0 && target === undefined) return yield* run.reply(red("Usage: /ir broadcast <message> [--server <name>]"))
      const message = flag >= 0 ? [...words.slice(0, flag), ...words.slice(flag + 2)].join(" ") : run.rest
      if (message === "") return yield* run.reply(red("No message given."))
      const deliver = (id: string | undefined) =>
        Effect.gen(function*() {
          yield* audit(run, `broadcast${id === undefined ? "" : ` --server ${id}`}`)
          const recipients = (yield* sessions.list).filter((s) => id === undefined || placeOf(s.state) === id)
          const shown = yield* Effect.forEach(recipients, (s) => sessions.act(s.id, { _tag: "Message", text: message }))
          const count = shown.filter(Boolean).length
          yield* run.reply(green(`Broadcast sent to ${count} player(s)${id === undefined ? "" : ` on ${id}`}.`))
        })
      return yield* (target === undefined ? deliver(undefined) : withServer(run, target, deliver))
    })

  const plugins = (run: Run) =>
    Effect.flatMap(env.plugins, (list) =>
      list.length === 0
        ? run.reply("No plugins loaded.")
        : lines(run.reply, [gold(`Plugins (${list.length}):`), ...list.map((p) => gray(`${p.id} ${p.version}${p.enabled ? "" : " (disabled)"}`))]))

  const plugin = (run: Run) => {
    const [owner, label] = run.args
    if (owner === undefined) return plugins(run)
    const own = env.table.byOwner(owner)
    if (label === undefined) {
      return own.length === 0
        ? run.reply(red(`Plugin '${owner}' not found or has no commands.`))
        : lines(run.reply, [gold(`Commands of plugin '${owner}':`), ...own.map((c) => gray(`/ir plugin ${owner} ${c.name}${c.description === undefined ? "" : ` - ${c.description}`}`))])
    }
    const command = env.table.ofOwner(owner, label.toLowerCase())
    if (command === undefined) return run.reply(red(`Command '${label}' not found for plugin '${owner}'.`))
    return env.runPlugin(run.caller, command, label.toLowerCase(), restFrom(run.rest, 2), run.reply)
  }

  const RUNS: Record<string, (run: Run) => Effect.Effect<void>> = {
    help,
    version: (run) => run.reply(versionLine()),
    list: (run) => Effect.flatMap(sessions.list, (list) => lines(run.reply, listLines(list))),
    server,
    find: (run) => withPlayer(run, run.args[0]!, (s) => run.reply(`${s.player} is ${whereLine(s)}.`)),
    plugins,
    kick,
    send,
    broadcast,
    reload: (run) => run.reply("Configuration auto-reloads when files change."),
    plugin
  }

  const players = Effect.map(sessions.list, (list) => list.map((s) => s.player))

  /** The servers the caller may switch to, its own left out. */
  const switchTargets = (caller: Caller) =>
    Effect.gen(function*() {
      const me = yield* mySession(caller)
      const current = me === undefined ? undefined : serverOf(me.state)
      if (current === undefined) return []
      const choices = choicesFrom(yield* env.servers, current)
      return choices._tag === "Network" ? choices.ids.filter((id) => id !== current) : []
    })

  /** Candidates for argument `index` of subcommand `name`, given the words before it. */
  const candidates = (caller: Caller, name: string, words: ReadonlyArray<string>, partial: string): Effect.Effect<ReadonlyArray<string>> => {
    const index = words.length
    switch (name) {
      case "help":
        return index > 0 ? Effect.succeed([]) : Effect.map(env.playerCommands, (opened) => [
          ...usableSubcommands(caller.admin, opened),
          ...env.table.visible(caller.admin).map(([label]) => label)
        ])
      case "server":
        return index === 0 ? switchTargets(caller) : Effect.succeed([])
      case "find":
      case "kick":
        return index === 0 ? players : Effect.succeed([])
      case "send":
        return index === 0 ? players : index === 1 ? serverIds : Effect.succeed([])
      case "broadcast":
        return words[index - 1] === "--server" ? serverIds : partial.startsWith("-") ? Effect.succeed(["--server"]) : Effect.succeed([])
      case "plugin": {
        if (index === 0) return Effect.succeed(env.table.owners())
        const own = env.table.byOwner(words[0]!)
        if (index === 1) return Effect.succeed(own.flatMap(labelsOf))
        const command = env.table.ofOwner(words[0]!, words[1]!.toLowerCase())
        return command === undefined ? Effect.succeed([]) : env.completePlugin(caller, command, words[1]!.toLowerCase(), words.slice(2), partial)
      }
      default:
        return Effect.succeed([])
    }
  }

  return {
    /** `/ir <args...>`: `line` is everything after `ir`. */
    run: (caller: Caller, line: string, reply: Reply): Effect.Effect<void> =>
      Effect.gen(function*() {
        const opened = yield* env.playerCommands
        const usable = usableSubcommands(caller.admin, opened)
        if (usable.length === 0) return yield* reply(red("You don't have permission to use proxy commands."))
        const [first, ...args] = line.match(/\S+/g) ?? []
        const name = first?.toLowerCase() ?? "help"
        const spec = subcommandNamed(name)
        if (spec === undefined) return yield* reply(red(`Unknown command '${first}'. Try /ir help.`))
        if (!mayUse(name, caller.admin, opened)) return yield* reply(red(`You don't have permission to use /ir ${name}.`))
        if (args.length < requiredArgs(spec)) return yield* reply(red(`Usage: ${usageOf(spec)}`))
        yield* RUNS[name]!({ caller, args, rest: first === undefined ? "" : restFrom(line, 1), reply })
      }),
    /** Candidates for the word being typed after `ir` (`words` are the ones before it). */
    complete: (caller: Caller, words: ReadonlyArray<string>, partial: string): Effect.Effect<ReadonlyArray<string>> =>
      Effect.gen(function*() {
        const opened = yield* env.playerCommands
        if (words.length === 0) return matching(usableSubcommands(caller.admin, opened), partial)
        const name = words[0]!.toLowerCase()
        if (!mayUse(name, caller.admin, opened)) return []
        return matching(yield* candidates(caller, name, words.slice(1), partial), partial)
      })
  }
}

export type ProxyCommands = ReturnType<typeof makeProxyCommands>
