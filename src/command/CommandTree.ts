/**
 * The proxy's commands as brigadier nodes, added to a backend's Declare Commands graph
 * (reference §2.13, `announce_proxy_commands`), so that the client knows, highlights and
 * completes them:
 *
 * - `/infrarust` with the subcommands the player may use, each with its arguments (Subcommands.ts),
 *   and `/ir` redirecting to it (as vanilla's `/tp` does to `/teleport`);
 * - each plugin command the player may use, with one free-text argument.
 *
 * Arguments are `brigadier:string` (a single word, or a greedy phrase for the rest of the line);
 * those whose values the proxy knows (players, servers, plugins) ask the server for suggestions
 * (`minecraft:ask_server`): the client then sends a tab-complete request the proxy answers. A
 * backend command of the same name is detached from the root: the proxy runs that name anyway.
 */
import { type CommandGraph, type CommandNode, NodeFlag, NodeType } from "../protocol/CommandGraph.ts"
import { parserRegistry, StringKind } from "../protocol/CommandParsers.ts"
import type { Announcement } from "./Commands.ts"
import { type ArgumentSpec, ROOT_NAMES, subcommandNamed } from "./Subcommands.ts"

export const ASK_SERVER = "minecraft:ask_server"

/** `graph` with the announced commands added; `undefined` when the version has no string parser. */
export const announceCommands = (protocol: number, graph: CommandGraph, announcement: Announcement): CommandGraph | undefined => {
  const stringParser = parserRegistry(protocol)?.refOf("brigadier:string")
  if (stringParser === undefined) return undefined
  const nodes: Array<CommandNode> = [...graph.nodes]
  const add = (node: CommandNode): number => nodes.push(node) - 1

  const literal = (name: string, executable: boolean, children: ReadonlyArray<number>, redirect?: number): number =>
    add({
      flags: NodeType.LITERAL | (executable ? NodeFlag.EXECUTABLE : 0) | (redirect === undefined ? 0 : NodeFlag.REDIRECT),
      children,
      redirect,
      name,
      parser: undefined,
      suggestions: undefined
    })
  const argument = (spec: ArgumentSpec, executable: boolean, children: ReadonlyArray<number>): number =>
    add({
      flags: NodeType.ARGUMENT | (executable ? NodeFlag.EXECUTABLE : 0) | (spec.suggested ? NodeFlag.SUGGESTIONS : 0),
      children,
      redirect: undefined,
      name: spec.name,
      parser: { ref: stringParser, properties: Uint8Array.of(spec.kind === "greedy" ? StringKind.GREEDY_PHRASE : StringKind.SINGLE_WORD) },
      suggestions: spec.suggested ? ASK_SERVER : undefined
    })

  /** A literal and its chain of arguments; each node runs when the argument after it is optional. */
  const chain = (name: string, args: ReadonlyArray<ArgumentSpec>): number => {
    let next: ReadonlyArray<number> = []
    for (let i = args.length - 1; i >= 0; i--) {
      const following = args[i + 1]
      next = [argument(args[i]!, following === undefined || following.optional, next)]
    }
    return literal(name, args.length === 0 || args[0]!.optional, next)
  }

  const ours: Array<number> = []
  const names = new Set<string>()
  if (announcement.subcommands.length > 0) {
    const subs = announcement.subcommands.flatMap((name) => {
      const spec = subcommandNamed(name)
      return spec === undefined ? [] : [chain(spec.name, spec.args)]
    })
    const root = literal("infrarust", true, subs)
    ours.push(root, literal("ir", true, [], root))
    for (const name of ROOT_NAMES) names.add(name)
  }
  const pluginArgs: ReadonlyArray<ArgumentSpec> = [{ name: "args", kind: "greedy", optional: true, suggested: true }]
  for (const label of announcement.commands) {
    if (names.has(label)) continue
    names.add(label)
    ours.push(chain(label, pluginArgs))
  }
  const root = nodes[graph.root]!
  const kept = root.children.filter((i) => !names.has(nodes[i]!.name?.toLowerCase() ?? ""))
  nodes[graph.root] = { ...root, children: [...kept, ...ours] }
  return { nodes, root: graph.root }
}
