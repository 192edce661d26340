/**
 * Commands plugins register (`ctx.commands.register`, docs/commands.md): their public types and
 * the table the registry keeps them in.
 *
 * A command is reachable as `/<name>` and `/<alias>` (top level, as reference §2.18 allows) and,
 * always, as `/ir plugin <plugin> <name>`. When two plugins register the same name, the one that
 * registered first keeps the top-level name and the other is reachable only through
 * `/ir plugin`; when the first goes away (its plugin is disabled), the next takes it.
 */
import type { Duration, Effect } from "effect"
import type { PlayerRef } from "../event/ProxyEvent.ts"
import type { ActionText } from "../session/PlayerAction.ts"

/** One run of a plugin's command. */
export interface CommandInvocation {
  readonly player: PlayerRef
  /** The player is an admin (PermissionsSetup). */
  readonly admin: boolean
  /** The name the player typed (the command's or an alias), in lower case, without the slash. */
  readonly label: string
  /** The words after the name. */
  readonly args: ReadonlyArray<string>
  /** Everything after the name as typed, spacing kept (free text). */
  readonly rest: string
  /** A chat message to the player; false when it cannot be shown (the player left). */
  readonly reply: (text: ActionText) => Effect.Effect<boolean>
}

export type CommandHandler = (invocation: CommandInvocation) => Effect.Effect<void, unknown>

/** Tab completion of a plugin's command: the word being typed is `partial`, after `args`. */
export interface CompletionRequest {
  readonly player: PlayerRef
  readonly admin: boolean
  readonly label: string
  readonly args: ReadonlyArray<string>
  readonly partial: string
}

/** Candidates for the word being typed; the proxy keeps those starting with it, sorted. */
export type CommandCompleter = (request: CompletionRequest) => Effect.Effect<ReadonlyArray<string>, unknown>

export interface CommandOptions {
  /** `"player"` (default): everyone may use it; `"admin"`: admins only. */
  readonly permission?: "player" | "admin"
  readonly aliases?: ReadonlyArray<string>
  readonly complete?: CommandCompleter
  /** One line for `/ir help`. */
  readonly description?: string
}

export interface PluginCommand {
  readonly owner: string
  readonly name: string
  readonly aliases: ReadonlyArray<string>
  readonly permission: "player" | "admin"
  readonly description: string | undefined
  readonly handler: CommandHandler
  readonly complete: CommandCompleter | undefined
  /** How long one run or completion may take (the plugin's `listener_timeout`). */
  readonly timeout: Duration.Duration
}

/** Lower-case letters, digits and `_ - .`, as players type them; at most 32 characters. */
export const COMMAND_NAME = /^[a-z0-9_.-]{1,32}$/

export const labelsOf = (c: PluginCommand): ReadonlyArray<string> => [c.name, ...c.aliases]

export const mayRun = (c: PluginCommand, admin: boolean): boolean => admin || c.permission === "player"

/** The registered commands, in registration order. */
export class PluginCommandTable {
  private readonly commands: Array<PluginCommand> = []

  /** Adds `command`; the top-level names it does not get (another plugin has them). */
  add(command: PluginCommand): ReadonlyArray<string> {
    const shadowed = labelsOf(command).filter((label) => this.topLevel(label) !== undefined)
    this.commands.push(command)
    return shadowed
  }

  remove(command: PluginCommand): void {
    const at = this.commands.indexOf(command)
    if (at >= 0) this.commands.splice(at, 1)
  }

  /** The command `/label` runs: the first registered with that name or alias. */
  topLevel(label: string): PluginCommand | undefined {
    return this.commands.find((c) => labelsOf(c).includes(label))
  }

  /** `owner`'s command called `label` (name or alias). */
  ofOwner(owner: string, label: string): PluginCommand | undefined {
    return this.commands.find((c) => c.owner === owner && labelsOf(c).includes(label))
  }

  byOwner(owner: string): ReadonlyArray<PluginCommand> {
    return this.commands.filter((c) => c.owner === owner)
  }

  owners(): ReadonlyArray<string> {
    return [...new Set(this.commands.map((c) => c.owner))]
  }

  /** Every top-level label a player may use, each with the command it runs. */
  visible(admin: boolean): ReadonlyArray<readonly [string, PluginCommand]> {
    const out = new Map<string, PluginCommand>()
    for (const c of this.commands) {
      if (!mayRun(c, admin)) continue
      for (const label of labelsOf(c)) if (!out.has(label) && this.topLevel(label) === c) out.set(label, c)
    }
    return [...out]
  }
}
