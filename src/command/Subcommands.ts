/**
 * The `/ir` (`/infrarust`) subcommands as data (reference §2.18): names, arguments, help text and
 * whether they are always admin-only. The dispatcher (ProxyCommands.ts), the help text, tab
 * completion and the Declare Commands tree (CommandTree.ts) all read this one table, so a
 * subcommand's arguments are declared once.
 */

export interface ArgumentSpec {
  readonly name: string
  /** `word`: one word; `greedy`: the rest of the line. */
  readonly kind: "word" | "greedy"
  readonly optional: boolean
  /** The proxy suggests values for it (players, servers, plugins): the client asks while typing. */
  readonly suggested: boolean
}

export interface SubcommandSpec {
  readonly name: string
  readonly args: ReadonlyArray<ArgumentSpec>
  readonly description: string
  /** kick, send, broadcast, reload and plugin: `player_commands` cannot open them. */
  readonly alwaysAdmin: boolean
  /** Shown instead of the arguments in usage lines, where they read better written out. */
  readonly usage?: string
}

const word = (name: string, optional: boolean, suggested = true): ArgumentSpec => ({ name, kind: "word", optional, suggested })
const greedy = (name: string, optional: boolean, suggested = false): ArgumentSpec => ({ name, kind: "greedy", optional, suggested })

export const SUBCOMMANDS: ReadonlyArray<SubcommandSpec> = [
  { name: "help", args: [word("command", true)], description: "commands you can use, or one in detail", alwaysAdmin: false },
  { name: "version", args: [], description: "the proxy's version", alwaysAdmin: false },
  { name: "list", args: [], description: "players online, by server", alwaysAdmin: false },
  { name: "server", args: [word("name", true)], description: "where you are, or move to another server", alwaysAdmin: false },
  { name: "find", args: [word("player", false)], description: "where a player is", alwaysAdmin: false },
  { name: "plugins", args: [], description: "loaded plugins", alwaysAdmin: false },
  { name: "kick", args: [word("player", false), greedy("reason", true)], description: "disconnect a player", alwaysAdmin: true },
  { name: "send", args: [word("player", false), word("server", false)], description: "move a player to a server", alwaysAdmin: true },
  {
    name: "broadcast",
    args: [greedy("message", false, true)],
    description: "a message to every player, or to one server's",
    alwaysAdmin: true,
    usage: "<message> [--server <name>]"
  },
  { name: "reload", args: [], description: "how configuration changes apply", alwaysAdmin: true },
  {
    name: "plugin",
    args: [word("plugin", true), greedy("command", true, true)],
    description: "a plugin's commands, or run one by the plugin's id",
    alwaysAdmin: true,
    usage: "<plugin> <command> [args...]"
  }
]

export const subcommandNamed = (name: string): SubcommandSpec | undefined => SUBCOMMANDS.find((s) => s.name === name)

/** `/ir kick <player> [reason]`. */
export const usageOf = (spec: SubcommandSpec): string => {
  const args = spec.usage ?? spec.args.map((a) => (a.optional ? `[${a.name}]` : `<${a.name}>`)).join(" ")
  return args === "" ? `/ir ${spec.name}` : `/ir ${spec.name} ${args}`
}

/** Arguments a run needs at least. */
export const requiredArgs = (spec: SubcommandSpec): number => spec.args.filter((a) => !a.optional).length

/** The names `/ir` and `/infrarust` answer to. */
export const ROOT_NAMES: ReadonlyArray<string> = ["ir", "infrarust"]
