/**
 * The Declare Commands packet (clientbound Play, 1.13+): the brigadier command graph the client
 * parses, highlights and completes commands with.
 *
 * Layout (https://minecraft.wiki/w/Java_Edition_protocol/Command_data, minecraft-data's
 * `command_node`): a VarInt count of nodes, each node, then the root's index. A node is a flags
 * byte (bits 0-1 the type: 0 root, 1 literal, 2 argument; 0x04 executable, 0x08 redirect, 0x10
 * custom suggestions, 0x20 "allows restricted" from 1.21.6), its children's indices (VarInt
 * count + VarInts), the redirect target when 0x08 is set, the name of a literal or argument, and
 * for an argument its parser (CommandParsers.ts), the parser's properties and, when 0x10 is set,
 * the suggestion provider's name (`minecraft:ask_server` makes the client ask the server).
 *
 * Properties are kept as raw bytes (their extent comes from the parser's shape), so a graph
 * decodes and encodes back to the same bytes, whatever parsers it uses. Every index must name a
 * node of the graph: a client would crash on a dangling one.
 */
import { ByteWriter, type Encoded } from "./ByteWriter.ts"
import { type ParserRef, type ParserRegistry, parserRegistry, type ParserShape } from "./CommandParsers.ts"
import { PacketReader } from "./PacketReader.ts"
import { malformed, type ProtocolError, unsupported } from "./ProtocolError.ts"

export const NodeType = { ROOT: 0, LITERAL: 1, ARGUMENT: 2 } as const
export const NodeFlag = { TYPE_MASK: 0x03, EXECUTABLE: 0x04, REDIRECT: 0x08, SUGGESTIONS: 0x10 } as const

/** Vanilla reads names and identifiers as `String(32767)`. */
const MAX_NAME_CHARS = 32767

export interface CommandParser {
  readonly ref: ParserRef
  /** The parser's properties, as sent. */
  readonly properties: Uint8Array
}

export interface CommandNode {
  /** The flags byte as sent (type, executable, redirect, suggestions, and any bit a later version adds). */
  readonly flags: number
  readonly children: ReadonlyArray<number>
  readonly redirect: number | undefined
  /** Literals and arguments only. */
  readonly name: string | undefined
  /** Arguments only. */
  readonly parser: CommandParser | undefined
  /** Arguments with the suggestions flag only: the provider's name. */
  readonly suggestions: string | undefined
}

export interface CommandGraph {
  readonly nodes: ReadonlyArray<CommandNode>
  readonly root: number
}

export const nodeType = (node: Pick<CommandNode, "flags">): number => node.flags & NodeFlag.TYPE_MASK

/** Reads one parser's properties through `r` (the caller slices the bytes read). */
const skipProperties = (r: PacketReader, shape: ParserShape): void => {
  switch (shape) {
    case "none":
      return
    case "byte":
    case "bool":
      r.u8("properties")
      return
    case "varint":
      r.varInt("properties")
      return
    case "identifier":
      r.string(MAX_NAME_CHARS, "properties")
      return
    case "i32":
      r.i32("properties")
      return
    default: {
      // A number range: flags, then the minimum (0x01) and maximum (0x02) when present.
      const flags = r.u8("properties.flags")
      const wide = shape === "range_f64" || shape === "range_i64"
      for (const bit of [0x01, 0x02]) {
        if ((flags & bit) === 0) continue
        if (wide) r.i64("properties.bound")
        else r.i32("properties.bound")
      }
    }
  }
}

/** A VarInt count that fits in the bytes left (each element takes at least one). */
const count = (r: PacketReader, field: string): number => {
  const n = r.varInt(field)
  if (n < 0 || n > r.remaining) r.fail(malformed(`declare_commands.${field}`, `count ${n} with ${r.remaining} bytes left`))
  return r.failed ? 0 : n
}

const readNode = (r: PacketReader, payload: Uint8Array, registry: ParserRegistry): CommandNode => {
  const flags = r.u8("flags")
  const type = flags & NodeFlag.TYPE_MASK
  if (type === 3) r.fail(malformed("declare_commands.flags", `node type 3 does not exist (flags ${flags})`))
  const n = count(r, "children")
  const children: Array<number> = []
  for (let i = 0; i < n && !r.failed; i++) children.push(r.varInt("children"))
  const redirect = (flags & NodeFlag.REDIRECT) !== 0 ? r.varInt("redirect") : undefined
  const name = type === NodeType.LITERAL || type === NodeType.ARGUMENT ? r.string(MAX_NAME_CHARS, "name") : undefined
  let parser: CommandParser | undefined
  let suggestions: string | undefined
  if (type === NodeType.ARGUMENT) {
    const ref: ParserRef = registry.byIndex ? r.varInt("parser") : r.string(MAX_NAME_CHARS, "parser")
    const shape = r.failed ? "none" : registry.shapeOf(ref)
    if (shape === undefined) r.fail(unsupported("declare_commands.parser", `parser ${JSON.stringify(ref)} is unknown in this version`))
    const start = payload.length - r.remaining
    skipProperties(r, shape ?? "none")
    parser = { ref, properties: payload.slice(start, payload.length - r.remaining) }
    if ((flags & NodeFlag.SUGGESTIONS) !== 0) suggestions = r.string(MAX_NAME_CHARS, "suggestions")
  }
  return { flags, children, redirect, name, parser, suggestions }
}

const dangling = (graph: CommandGraph): string | undefined => {
  const size = graph.nodes.length
  const bad = (i: number | undefined) => i !== undefined && (!Number.isInteger(i) || i < 0 || i >= size)
  if (bad(graph.root)) return `root index ${graph.root} of ${size} nodes`
  for (const [i, node] of graph.nodes.entries()) {
    if (bad(node.redirect)) return `node ${i} redirects to ${node.redirect} of ${size} nodes`
    const child = node.children.find(bad)
    if (child !== undefined) return `node ${i} has child ${child} of ${size} nodes`
  }
  return undefined
}

/** The graph of a Declare Commands payload in `protocol`'s layout. */
export const decodeCommandGraph = (protocol: number, payload: Uint8Array): CommandGraph | ProtocolError => {
  const registry = parserRegistry(protocol)
  if (registry === undefined) return unsupported("declare_commands", `no command graph is known for protocol ${protocol}`)
  const r = new PacketReader(payload, "declare_commands")
  const n = count(r, "nodes")
  const nodes: Array<CommandNode> = []
  for (let i = 0; i < n && !r.failed; i++) nodes.push(readNode(r, payload, registry))
  const root = r.varInt("root")
  const failed = r.finish()
  if (failed !== undefined) return failed
  const graph = { nodes, root }
  const bad = dangling(graph)
  return bad === undefined ? graph : malformed("declare_commands", bad)
}

/** Why `node` cannot be written as it is, if it cannot. */
const inconsistent = (node: CommandNode, registry: ParserRegistry): string | undefined => {
  const type = nodeType(node)
  if (type === 3) return "node type 3 does not exist"
  if (((node.flags & NodeFlag.REDIRECT) !== 0) !== (node.redirect !== undefined)) return "redirect flag and target disagree"
  if ((type !== NodeType.ROOT) !== (node.name !== undefined)) return "only literals and arguments have a name"
  if ((type === NodeType.ARGUMENT) !== (node.parser !== undefined)) return "only arguments have a parser"
  const wantsSuggestions = type === NodeType.ARGUMENT && (node.flags & NodeFlag.SUGGESTIONS) !== 0
  if (wantsSuggestions !== (node.suggestions !== undefined)) return "suggestions flag and provider disagree"
  if (node.parser !== undefined && (typeof node.parser.ref === "number") !== registry.byIndex) return "parser reference of the wrong kind"
  return undefined
}

/** A Declare Commands payload in `protocol`'s layout. */
export const encodeCommandGraph = (protocol: number, graph: CommandGraph): Encoded => {
  const registry = parserRegistry(protocol)
  if (registry === undefined) return unsupported("declare_commands", `no command graph is known for protocol ${protocol}`)
  const bad = dangling(graph)
  if (bad !== undefined) return malformed("declare_commands", bad)
  const w = new ByteWriter(256).varInt(graph.nodes.length)
  for (const node of graph.nodes) {
    const wrong = inconsistent(node, registry)
    if (wrong !== undefined) return malformed("declare_commands.node", wrong)
    w.u8(node.flags).varInt(node.children.length)
    for (const child of node.children) w.varInt(child)
    if (node.redirect !== undefined) w.varInt(node.redirect)
    if (node.name !== undefined) w.string(node.name, MAX_NAME_CHARS, "declare_commands.name")
    if (node.parser !== undefined) {
      const { ref } = node.parser
      if (typeof ref === "number") w.varInt(ref)
      else w.string(ref, MAX_NAME_CHARS, "declare_commands.parser")
      w.bytes(node.parser.properties)
    }
    if (node.suggestions !== undefined) w.string(node.suggestions, MAX_NAME_CHARS, "declare_commands.suggestions")
  }
  return w.varInt(graph.root).finish()
}
