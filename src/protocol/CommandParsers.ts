/**
 * The argument parsers of the Declare Commands packet (1.13+), per protocol version: what an
 * argument node names as its parser, and how many property bytes follow it.
 *
 * From 1.19 a parser is a VarInt index into a registry that grows and reorders between versions;
 * before, it is the parser's name (`brigadier:string`). The lists are generated from
 * minecraft-data (`CommandParserData.ts`). A graph naming a parser its version does not list
 * cannot be walked (the property bytes have no known length), so the proxy leaves such a packet
 * as it came.
 */
import { PARSER_SETS, PROTOCOL_PARSER_SETS } from "./CommandParserData.ts"
import { PROTOCOL_1_19 } from "./ProtocolVersion.ts"

/**
 * The layout of a parser's properties:
 * - `none`: nothing; `byte`: one byte of flags (entity, score holder); `bool`: one boolean;
 * - `varint`: a VarInt (brigadier:string's kind: 0 single word, 1 quotable phrase, 2 greedy phrase);
 * - `identifier`: a string (the registry of minecraft:resource and its kin); `i32`: one int (time's minimum);
 * - `range_<type>`: brigadier's number bounds: a flags byte (0x01 min, 0x02 max), then each bound present.
 */
export type ParserShape = "none" | "byte" | "bool" | "varint" | "identifier" | "i32" | "range_f32" | "range_f64" | "range_i32" | "range_i64"

/** A parser as the packet carries it: a registry index (1.19+) or a name (1.13-1.18.2). */
export type ParserRef = number | string

export interface ParserRegistry {
  /** 1.19+: parsers travel as VarInt indices. */
  readonly byIndex: boolean
  /** The shape of `parser`'s properties; `undefined` when this version has no such parser. */
  readonly shapeOf: (parser: ParserRef) => ParserShape | undefined
  /** How this version names `name` (`brigadier:string` → 5 in 1.19+); `undefined` if it lacks it. */
  readonly refOf: (name: string) => ParserRef | undefined
}

/** `brigadier:string`'s kinds (its VarInt property). */
export const StringKind = { SINGLE_WORD: 0, QUOTABLE_PHRASE: 1, GREEDY_PHRASE: 2 } as const

const registries = new Map<number, ParserRegistry>()
const setOf = new Map(PROTOCOL_PARSER_SETS)

const build = (protocol: number, parsers: ReadonlyArray<readonly [string, ParserShape]>): ParserRegistry => {
  const byIndex = protocol >= PROTOCOL_1_19
  const shapes = new Map<ParserRef, ParserShape>(parsers.map(([name, shape], i) => [byIndex ? i : name, shape]))
  const refs = new Map(parsers.map(([name], i) => [name, byIndex ? i : name]))
  return { byIndex, shapeOf: (parser) => shapes.get(parser), refOf: (name) => refs.get(name) }
}

/** The parsers of `protocol`, or `undefined` before 1.13 and for versions the data does not describe. */
export const parserRegistry = (protocol: number): ParserRegistry | undefined => {
  const cached = registries.get(protocol)
  if (cached !== undefined) return cached
  const index = setOf.get(protocol)
  if (index === undefined) return undefined
  const registry = build(protocol, PARSER_SETS[index]!)
  registries.set(protocol, registry)
  return registry
}

/** Protocols with a brigadier graph the proxy can read, oldest first. */
export const commandGraphProtocols: ReadonlyArray<number> = PROTOCOL_PARSER_SETS.map(([protocol]) => protocol)
