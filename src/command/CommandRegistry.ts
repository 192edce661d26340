/**
 * The proxy's commands in one place: the built-in `/ir` (`/infrarust`) and the commands plugins
 * register. It provides two services, as the event bus does:
 *
 * - `Commands`, what sessions ask (run, complete, announce: Commands.ts);
 * - `CommandRegistry`, where plugins register commands (for their scope) and where the plugin
 *   host says how to list the loaded plugins.
 *
 * A command runs in a fiber of the registry's own, not the session's: the player's packets flow
 * on while it runs, and a command that switches its own player's server does not wait on the
 * session it is moving. One command per player runs at a time (a second is refused with a
 * message), and a plugin's command is cut off after its `listener_timeout`; failures are logged
 * with the plugin's id and the player reads that the command failed.
 *
 * `[permissions] player_commands` is read live; names it lists that are always admin-only, or
 * are no subcommand at all, are warned about at start-up and on every change.
 */
import { Cause, Context, Duration, Effect, Exit, Layer, Option, Schema, Scope, Stream, SubscriptionRef } from "effect"
import { ProxyConfigStore } from "../config/ProxyConfigStore.ts"
import { Router } from "../routing/Router.ts"
import type { ActionText } from "../session/PlayerAction.ts"
import { Sessions } from "../session/Sessions.ts"
import { type Caller, Commands } from "./Commands.ts"
import { matching, parseLine, partialLine, restFrom } from "./CommandLine.ts"
import { permissionWarnings, usableSubcommands } from "./CommandPermissions.ts"
import {
  COMMAND_NAME,
  type CommandHandler,
  type CommandOptions,
  mayRun,
  type PluginCommand,
  PluginCommandTable
} from "./PluginCommands.ts"
import { makeProxyCommands, type PluginSummary, type Reply } from "./ProxyCommands.ts"
import { ROOT_NAMES } from "./Subcommands.ts"

/** A plugin asked for a command name it cannot have. */
export class CommandNameError extends Schema.TaggedError<CommandNameError>()("CommandNameError", {
  owner: Schema.String,
  name: Schema.String,
  detail: Schema.String
}) {
  override get message(): string {
    return `plugin '${this.owner}' cannot register /${this.name}: ${this.detail}`
  }
}

export class CommandRegistry extends Context.Service<CommandRegistry, {
  /** Registers `name` and its aliases for `owner` until the current Scope closes. */
  readonly register: (
    owner: string,
    name: string,
    handler: CommandHandler,
    options: CommandOptions & { readonly timeout: Duration.Duration }
  ) => Effect.Effect<void, CommandNameError, Scope.Scope>
  /** Where `/ir plugins` reads the loaded plugins from (the plugin host gives it). */
  readonly describePlugins: (source: Effect.Effect<ReadonlyArray<PluginSummary>>) => Effect.Effect<void>
}>()("infrarust/command/CommandRegistry") {
  /** Provides both services: the sessions' `Commands` and the registration side. */
  static readonly layer = Layer.effectContext(Effect.gen(function*() {
    const made = yield* make
    return Context.make(CommandRegistry, made.registry).pipe(Context.add(Commands, made.commands))
  }))
}

const red = (text: string) => ({ text, color: "red" })

const make = Effect.gen(function*() {
  const sessions = yield* Sessions
  const router = yield* Router
  const store = yield* ProxyConfigStore
  const scope = yield* Scope.Scope
  const table = new PluginCommandTable()
  let pluginSource: Effect.Effect<ReadonlyArray<PluginSummary>> = Effect.succeed([])
  /** Sessions with a command running. */
  const running = new Set<number>()

  const playerCommands = Effect.map(SubscriptionRef.get(store.config), (c) => c.permissions.playerCommands)
  yield* SubscriptionRef.changes(store.config).pipe(
    Stream.map((c) => c.permissions.playerCommands),
    Stream.changesWith((a, b) => a.join("\n") === b.join("\n")),
    Stream.runForEach((names) => Effect.forEach(permissionWarnings(names), (w) => Effect.logWarning(w), { discard: true })),
    Effect.forkScoped
  )

  const replyTo = (caller: Caller): Reply => (text: ActionText) => Effect.asVoid(sessions.act(caller.player.session, { _tag: "Message", text }))

  /** A plugin's handler or completer, bounded and isolated: its value (never undefined), or undefined when it failed or timed out. */
  const guarded = <A>(command: PluginCommand, what: string, effect: () => Effect.Effect<A, unknown>) =>
    Effect.suspend(effect).pipe(
      Effect.timeoutOption(command.timeout),
      Effect.exit,
      Effect.flatMap((exit) => {
        if (Exit.isSuccess(exit)) {
          if (Option.isSome(exit.value)) return Effect.succeed(exit.value.value)
          return Effect.as(Effect.logWarning(`plugin '${command.owner}': its /${command.name} ${what} took longer than ${Duration.format(command.timeout)} and was cut off`), undefined)
        }
        return Effect.as(Effect.logError(`plugin '${command.owner}': its /${command.name} ${what} failed`, Cause.pretty(exit.cause)), undefined)
      }),
      Effect.annotateLogs({ plugin: command.owner })
    )

  const runPlugin = (caller: Caller, command: PluginCommand, label: string, rest: string, reply: Reply) =>
    Effect.flatMap(
      guarded(command, "command", () =>
        Effect.as(
          command.handler({
            player: caller.player,
            admin: caller.admin,
            label,
            args: rest.match(/\S+/g) ?? [],
            rest,
            reply: (text) => sessions.act(caller.player.session, { _tag: "Message", text })
          }),
          true
        )),
      (done) => (done === undefined ? reply(red(`/${label} failed. Please tell an admin.`)) : Effect.void)
    )

  const completePlugin = (caller: Caller, command: PluginCommand, label: string, args: ReadonlyArray<string>, partial: string) =>
    command.complete === undefined
      ? Effect.succeed([])
      : Effect.map(guarded(command, "completion", () => command.complete!({ player: caller.player, admin: caller.admin, label, args, partial })), (list) => list ?? [])

  const proxy = makeProxyCommands({
    sessions,
    // An id two entries claim routes to the first (RoutingTable's byId): list that one only.
    servers: Effect.map(SubscriptionRef.get(router.table), (t) => [...t.byId.values()].map((e) => e.value)),
    playerCommands,
    plugins: Effect.suspend(() => pluginSource),
    table,
    runPlugin,
    completePlugin
  })

  /** The command `line` runs for `caller`, or undefined when the line is the backend's. */
  const taskFor = (caller: Caller, line: string): Effect.Effect<void> | undefined => {
    const parsed = parseLine(line)
    if (parsed === undefined) return undefined
    const reply = replyTo(caller)
    if (ROOT_NAMES.includes(parsed.label)) return proxy.run(caller, restFrom(line, 1), reply)
    const command = table.topLevel(parsed.label)
    if (command === undefined) return undefined
    if (!mayRun(command, caller.admin)) return reply(red(`You don't have permission to use /${parsed.label}.`))
    return runPlugin(caller, command, parsed.label, restFrom(line, 1), reply)
  }

  const run = (caller: Caller, line: string) =>
    Effect.suspend(() => {
      const task = taskFor(caller, line)
      if (task === undefined) return Effect.succeed(false)
      const id = caller.player.session
      if (running.has(id)) return Effect.as(replyTo(caller)(red("Your last command is still running.")), true)
      running.add(id)
      const done = Effect.sync(() => running.delete(id))
      return Effect.as(Effect.forkIn(task.pipe(Effect.ensuring(done), Effect.annotateLogs({ player: caller.player.name })), scope), true)
    })

  const complete = (caller: Caller, line: string) =>
    Effect.suspend(() => {
      const partial = partialLine(line)
      if (partial === undefined) return Effect.succeed(undefined)
      const [label, ...words] = partial.words
      if (ROOT_NAMES.includes(label!)) {
        return Effect.map(proxy.complete(caller, words, partial.partial), (matches) => ({ start: partial.start, matches }))
      }
      const command = table.topLevel(label!)
      if (command === undefined) return Effect.succeed(undefined)
      const matches = mayRun(command, caller.admin) ? completePlugin(caller, command, label!, words, partial.partial) : Effect.succeed([])
      return Effect.map(matches, (list) => ({ start: partial.start, matches: matching(list, partial.partial) }))
    })

  const announcement = (caller: Caller) =>
    Effect.map(SubscriptionRef.get(store.config), (config) =>
      config.announceProxyCommands
        ? {
          subcommands: usableSubcommands(caller.admin, config.permissions.playerCommands),
          commands: table.visible(caller.admin).map(([label]) => label)
        }
        : undefined)

  const register = (owner: string, name: string, handler: CommandHandler, options: CommandOptions & { readonly timeout: Duration.Duration }) =>
    Effect.gen(function*() {
      const labels = [name, ...(options.aliases ?? [])]
      const fail = (label: string, detail: string) => new CommandNameError({ owner, name: label, detail })
      for (const label of labels) {
        if (!COMMAND_NAME.test(label)) return yield* fail(label, "names are 1-32 lower-case letters, digits, '_', '-' or '.'")
        if (ROOT_NAMES.includes(label)) return yield* fail(label, "it is the proxy's own command")
        if (table.ofOwner(owner, label) !== undefined) return yield* fail(label, "this plugin already registered it")
      }
      const command: PluginCommand = {
        owner,
        name,
        aliases: options.aliases ?? [],
        permission: options.permission ?? "player",
        description: options.description,
        handler,
        complete: options.complete,
        timeout: options.timeout
      }
      const shadowed = table.add(command)
      yield* Scope.addFinalizer(yield* Scope.Scope, Effect.sync(() => table.remove(command)))
      for (const label of shadowed) {
        const holder = table.topLevel(label)!
        yield* Effect.logWarning(`plugin '${owner}': /${label} is already plugin '${holder.owner}''s; use /ir plugin ${owner} ${name}`)
      }
    })

  return {
    commands: Commands.of({ run, complete, announcement }),
    registry: CommandRegistry.of({
      register,
      describePlugins: (source) => Effect.sync(() => {
        pluginSource = source
      })
    })
  }
})
