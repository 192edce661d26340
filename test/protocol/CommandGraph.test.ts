/**
 * The Declare Commands codec: round trip and totality as properties (fast-check), and a
 * cross-check against minecraft-protocol for every version it speaks from 1.13 on: a graph with
 * one argument of every parser the version has, written by minecraft-protocol, decodes and
 * encodes back to the same bytes; a graph we write, the proxy's commands added, is read back by
 * minecraft-protocol.
 */
import { assert, describe, it } from "@effect/vitest"
import fc from "fast-check"
import minecraftData from "minecraft-data"
import mc from "minecraft-protocol"
import { announceCommands } from "../../src/command/CommandTree.ts"
import { ByteWriter } from "../../src/protocol/ByteWriter.ts"
import { type CommandGraph, type CommandNode, decodeCommandGraph, encodeCommandGraph, NodeFlag } from "../../src/protocol/CommandGraph.ts"
import { PARSER_SETS, PROTOCOL_PARSER_SETS } from "../../src/protocol/CommandParserData.ts"
import { commandGraphProtocols, type ParserShape } from "../../src/protocol/CommandParsers.ts"
import { isProtocolError } from "../../src/protocol/ProtocolError.ts"

const parsersOf = (protocol: number) => PARSER_SETS[new Map(PROTOCOL_PARSER_SETS).get(protocol)!]!

/** Valid property bytes for a parser of `shape`. */
const propertiesOf = (shape: ParserShape): fc.Arbitrary<Uint8Array> => {
  const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n })
  switch (shape) {
    case "none":
      return fc.constant(new Uint8Array(0))
    case "byte":
      return bytes(1)
    case "bool":
      return fc.boolean().map((b) => Uint8Array.of(b ? 1 : 0))
    case "varint":
      return fc.integer({ min: 0, max: 2 }).map((k) => Uint8Array.of(k))
    case "identifier":
      return fc.string({ maxLength: 20 }).map((s) => new ByteWriter().string(s, 32767).finish() as Uint8Array)
    case "i32":
      return bytes(4)
    default: {
      const size = shape === "range_f64" || shape === "range_i64" ? 8 : 4
      return fc.integer({ min: 0, max: 3 }).chain((flags) => {
        const n = (flags & 1) + ((flags >> 1) & 1)
        return bytes(n * size).map((b) => Uint8Array.of(flags, ...b))
      })
    }
  }
}

/** A node of `size` nodes; flags may carry bits later versions add (0x20...). */
const nodeOf = (protocol: number, size: number): fc.Arbitrary<CommandNode> => {
  const parsers = parsersOf(protocol)
  const byIndex = protocol >= 759
  const index = fc.integer({ min: 0, max: size - 1 })
  return fc.record({
    type: fc.integer({ min: 0, max: 2 }),
    extra: fc.constantFrom(0, 0x04, 0x20, 0x24, 0xe0),
    children: fc.array(index, { maxLength: 4 }),
    redirect: fc.option(index, { nil: undefined }),
    name: fc.string({ maxLength: 12 }),
    parser: fc.integer({ min: 0, max: parsers.length - 1 }).chain((i) => propertiesOf(parsers[i]![1]).map((properties) => ({ i, properties }))),
    suggestions: fc.option(fc.constantFrom("minecraft:ask_server", "minecraft:all_recipes"), { nil: undefined })
  }).map((n): CommandNode => {
    const argument = n.type === 2
    const suggestions = argument ? n.suggestions : undefined
    return {
      flags: n.type | n.extra | (n.redirect === undefined ? 0 : NodeFlag.REDIRECT) | (suggestions === undefined ? 0 : NodeFlag.SUGGESTIONS),
      children: n.children,
      redirect: n.redirect,
      name: n.type === 0 ? undefined : n.name,
      parser: argument ? { ref: byIndex ? n.parser.i : parsers[n.parser.i]![0], properties: n.parser.properties } : undefined,
      suggestions
    }
  })
}

const graphOf = (protocol: number): fc.Arbitrary<CommandGraph> =>
  fc.integer({ min: 1, max: 10 }).chain((size) =>
    fc.record({ nodes: fc.array(nodeOf(protocol, size), { minLength: size, maxLength: size }), root: fc.integer({ min: 0, max: size - 1 }) }))

const PROTOCOLS = [393, 404, 754, 758, 759, 761, 762, 765, 769, 770, 771, 775]

describe("CommandGraph", () => {
  it("knows a parser list for every release from 1.13 on that minecraft-data describes", () => {
    assert.includeMembers([...commandGraphProtocols], PROTOCOLS)
    assert.notInclude(commandGraphProtocols, 340)
  })

  it("round trip: a graph encodes and decodes back to itself, and its bytes to the same bytes", () => {
    for (const protocol of PROTOCOLS) {
      fc.assert(fc.property(graphOf(protocol), (graph) => {
        const bytes = encodeCommandGraph(protocol, graph)
        if (isProtocolError(bytes)) throw bytes
        const decoded = decodeCommandGraph(protocol, bytes)
        assert.deepStrictEqual(decoded, graph)
        assert.deepStrictEqual(encodeCommandGraph(protocol, decoded as CommandGraph), bytes)
      }), { numRuns: 60 })
    }
  })

  it("totality: any bytes decode to a graph or a ProtocolError, never a throw; every index of a decoded graph names a node", () => {
    for (const protocol of [404, 769]) {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        const decoded = decodeCommandGraph(protocol, bytes)
        if (isProtocolError(decoded)) return
        const size = decoded.nodes.length
        assert.isBelow(decoded.root, size)
        for (const node of decoded.nodes) for (const i of [...node.children, node.redirect ?? 0]) assert.isBelow(i, size)
      }), { numRuns: 2000 })
      // Valid graphs with one byte changed or cut short: still no throw.
      fc.assert(fc.property(graphOf(protocol), fc.nat(), fc.integer({ min: 0, max: 255 }), (graph, at, value) => {
        const bytes = encodeCommandGraph(protocol, graph) as Uint8Array
        const changed = bytes.slice()
        changed[at % bytes.length] = value
        decodeCommandGraph(protocol, changed)
        decodeCommandGraph(protocol, bytes.subarray(0, at % bytes.length))
      }), { numRuns: 300 })
    }
  })

  it("refuses dangling indices, node type 3, unknown parsers and trailing bytes", () => {
    const dangling = Uint8Array.of(1, 0x00, 1, 5, 0) // one root whose child is node 5
    assert.include(String(decodeCommandGraph(769, dangling)), "child 5")
    assert.include(String(decodeCommandGraph(769, Uint8Array.of(1, 0x03, 0, 0))), "type 3")
    const unknownParser = Uint8Array.of(2, 0x00, 1, 1, 0x02, 0, 1, 0x61, 200, 1, 0)
    assert.include(String(decodeCommandGraph(769, unknownParser)), "unknown")
    assert.include(String(decodeCommandGraph(769, Uint8Array.of(1, 0x00, 0, 0, 9))), "trailing")
    assert.include(String(decodeCommandGraph(340, Uint8Array.of(1, 0x00, 0, 0))), "no command graph")
  })
})

// ---- minecraft-protocol cross-check ----

const MC_VERSIONS = mc.supportedVersions.filter((v) => minecraftData(v)!.version.version! >= 393)

/** The properties minecraft-protocol expects for a parser, as JSON. */
const mcProperties = (name: string, shape: ParserShape): unknown => {
  switch (shape) {
    case "none":
      return undefined
    case "varint":
      return "GREEDY_PHRASE"
    case "byte":
      return name === "minecraft:entity" ? { unused: 0, onlyAllowPlayers: 1, onlyAllowEntities: 0 } : { unused: 0, allowMultiple: 1 }
    case "bool":
      return { allowDecimals: true }
    case "identifier":
      return { registry: "minecraft:item" }
    case "i32":
      return { min: 5 }
    case "range_i64":
      return { flags: { unused: 0, max_present: 1, min_present: 1 }, min: -3n, max: 1n << 40n }
    default:
      return { flags: { unused: 0, max_present: 1, min_present: 0 }, max: 64 }
  }
}

const mcFlags = (protocol: number, type: number, bits: { command?: boolean; redirect?: boolean; suggestions?: boolean } = {}) => ({
  unused: 0,
  ...(protocol >= 771 ? { allows_restricted: 0 } : {}),
  has_custom_suggestions: bits.suggestions ? 1 : 0,
  has_redirect_node: bits.redirect ? 1 : 0,
  has_command: bits.command ? 1 : 0,
  command_node_type: type
})

/** Root → "give" → one argument per parser (each executable), plus "tp" redirecting to "give". */
const everyParser = (protocol: number) => {
  const parsers = parsersOf(protocol)
  const args = parsers.map(([name, shape], i) => ({
    flags: mcFlags(protocol, 2, { command: true, suggestions: i % 3 === 0 }),
    children: [],
    extraNodeData: {
      name: `a${i}`,
      parser: name,
      ...(shape === "none" ? {} : { properties: mcProperties(name, shape) }),
      ...(i % 3 === 0 ? { suggestionType: "minecraft:ask_server" } : {})
    }
  }))
  return {
    nodes: [
      { flags: mcFlags(protocol, 0), children: [1, 2] },
      { flags: mcFlags(protocol, 1), children: args.map((_, i) => i + 3), extraNodeData: { name: "give" } },
      { flags: mcFlags(protocol, 1, { redirect: true }), children: [], redirectNode: 1, extraNodeData: { name: "tp" } },
      ...args
    ],
    rootIndex: 0
  }
}

/** The payload of a packet minecraft-protocol wrote (its id stripped). */
const payloadOf = (buffer: Buffer): Uint8Array => {
  let at = 0
  while ((buffer[at]! & 0x80) !== 0) at++
  return new Uint8Array(buffer.subarray(at + 1))
}

describe("CommandGraph against minecraft-protocol", () => {
  it("reads every parser of every version as minecraft-protocol writes it, and writes the same bytes back", () => {
    for (const version of MC_VERSIONS) {
      const protocol = minecraftData(version)!.version.version!
      const serializer = mc.createSerializer({ state: "play", isServer: true, version } as never)
      const bytes = payloadOf(serializer.createPacketBuffer({ name: "declare_commands", params: everyParser(protocol) }))
      const graph = decodeCommandGraph(protocol, bytes)
      if (isProtocolError(graph)) assert.fail(`${version}: ${graph.message}`)
      const parsers = parsersOf(protocol)
      assert.strictEqual(graph.nodes.length, parsers.length + 3, version)
      assert.strictEqual(graph.nodes[2]!.redirect, 1, version)
      graph.nodes.slice(3).forEach((node, i) => {
        assert.strictEqual(node.parser!.ref, protocol >= 759 ? i : parsers[i]![0], `${version} ${parsers[i]![0]}`)
      })
      assert.deepStrictEqual(encodeCommandGraph(protocol, graph), bytes, version)
    }
  })

  it("minecraft-protocol reads a graph with the proxy's commands added", () => {
    for (const version of MC_VERSIONS) {
      const protocol = minecraftData(version)!.version.version!
      const serializer = mc.createSerializer({ state: "play", isServer: true, version } as never)
      const deserializer = mc.createDeserializer({ state: "play", isServer: false, version } as never)
      const backend = decodeCommandGraph(protocol, payloadOf(serializer.createPacketBuffer({ name: "declare_commands", params: everyParser(protocol) }))) as CommandGraph
      const announced = announceCommands(protocol, backend, { subcommands: ["help", "list", "kick", "send"], commands: ["hello", "tp"] })!
      const bytes = encodeCommandGraph(protocol, announced) as Uint8Array
      const id = serializer.createPacketBuffer({ name: "declare_commands", params: { nodes: [{ flags: mcFlags(protocol, 0), children: [] }], rootIndex: 0 } })
      const packet = Buffer.concat([id.subarray(0, id.length - 4), bytes])
      const parsed = deserializer.parsePacketBuffer(packet).data.params as {
        nodes: Array<{ children: Array<number>; redirectNode?: number; extraNodeData?: { name: string; parser?: string; properties?: unknown; suggestionType?: string | undefined } }>
        rootIndex: number
      }
      const named = (i: number) => parsed.nodes[i]!.extraNodeData?.name
      const root = parsed.nodes[parsed.rootIndex]!
      assert.deepStrictEqual(root.children.map(named), ["give", "infrarust", "ir", "hello", "tp"], version)
      const infrarust = root.children.find((i) => named(i) === "infrarust")!
      assert.strictEqual(parsed.nodes[root.children.find((i) => named(i) === "ir")!]!.redirectNode, infrarust, version)
      assert.deepStrictEqual(parsed.nodes[infrarust]!.children.map(named), ["help", "list", "kick", "send"], version)
      const kick = parsed.nodes[parsed.nodes[infrarust]!.children[2]!]!
      const player = parsed.nodes[kick.children[0]!]!
      assert.deepStrictEqual(player.extraNodeData, { name: "player", parser: "brigadier:string", properties: "SINGLE_WORD", suggestionType: "minecraft:ask_server" }, version)
      const reason = parsed.nodes[player.children[0]!]!
      assert.deepStrictEqual(reason.extraNodeData, { name: "reason", parser: "brigadier:string", properties: "GREEDY_PHRASE", suggestionType: undefined }, version)
    }
  })
})
