/**
 * Generates `src/protocol/CommandParserData.ts`: the argument parsers of the Declare Commands
 * packet (the brigadier graph, 1.13+) per protocol version, from minecraft-data (a
 * devDependency: the runtime never loads it).
 *
 *   node scripts/generate-command-parsers.ts
 *
 * For each release protocol some minecraft-data `pc` version describes (the same choice of
 * version as scripts/generate-packet-ids.ts), it reads the `command_node` type of that version's
 * protocol.json: the parser names in id order (1.19+ send a VarInt id; 1.13-1.18.2 send the
 * name itself) and the layout of each parser's properties, reduced to a {@link Shape}. A layout
 * the generator does not recognise stops it (a new minecraft-data must be looked at, not
 * guessed). Versions with identical parsers share one set; `test/protocol/CommandParsers.test.ts`
 * regenerates the file in memory and fails when the committed one differs.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { releases } from "../src/protocol/ProtocolVersion.ts"

const DATA_DIR = Path.join(import.meta.dirname, "../node_modules/minecraft-data/minecraft-data/data")
export const OUTPUT = Path.join(import.meta.dirname, "../src/protocol/CommandParserData.ts")

const readJson = (relative: string): any => JSON.parse(Fs.readFileSync(Path.join(DATA_DIR, relative), "utf8"))

/** How many property bytes follow a parser (src/protocol/CommandParsers.ts reads them). */
type Shape = "none" | "byte" | "bool" | "varint" | "identifier" | "i32" | "range_f32" | "range_f64" | "range_i32" | "range_i64"

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** A minecraft-data properties layout → its shape; `undefined` when unrecognised. */
const shapeOf = (layout: any): Shape | undefined => {
  if (layout === "void") return "none"
  if (!Array.isArray(layout)) return undefined
  const [kind, body] = layout
  if (kind === "mapper" && body?.type === "varint") return "varint"
  if (kind === "bitfield" && Array.isArray(body) && body.reduce((n: number, f: any) => n + f.size, 0) === 8) return "byte"
  if (kind !== "container" || !Array.isArray(body)) return undefined
  if (body.length === 1 && body[0].type === "bool") return "bool"
  if (body.length === 1 && body[0].type === "string") return "identifier"
  if (body.length === 1 && body[0].type === "i32") return "i32"
  // flags (min 0x01, max 0x02), then min and max when present: brigadier's number ranges.
  if (body.length === 3 && body[0].name === "flags" && body[1].name === "min" && body[2].name === "max") {
    const min = body[1].type?.[1]?.fields?.["1"]
    const max = body[2].type?.[1]?.fields?.["1"]
    const flags = body[0].type?.[1]
    const bits = Array.isArray(flags) ? flags.map((f: any) => f.name) : []
    if (min === max && same(bits, ["unused", "max_present", "min_present"]) && ["f32", "f64", "i32", "i64"].includes(min)) {
      return `range_${min}` as Shape
    }
  }
  return undefined
}

/**
 * Parsers 1.14-1.18.2 send by name that minecraft-data's properties switch omits (they have no
 * properties): listed so that a vanilla graph using them can be read.
 */
const NAMED_WITHOUT_PROPERTIES = ["minecraft:nbt_tag"]

/** The parsers of one protocol.json, in id order, each with its shape. */
const parsersOf = (protocol: any, version: string): ReadonlyArray<readonly [string, Shape]> | undefined => {
  const node = protocol.types?.command_node
  if (node === undefined) return undefined
  const extra = (node[1] as Array<any>).find((f) => f.name === "extraNodeData").type
  const argument: Array<any> = extra[1].fields["2"][1]
  const parser = argument.find((f) => f.name === "parser").type
  const properties: Record<string, unknown> = argument.find((f) => f.name === "properties").type[1].fields
  // 1.19+: a VarInt mapped to names; before: the name as a string, every name in `properties`
  // plus the ones without properties that the switch leaves to its void default.
  const names: ReadonlyArray<string> = parser === "string"
    ? [...new Set([...Object.keys(properties), ...NAMED_WITHOUT_PROPERTIES])]
    : Object.entries(parser[1].mappings as Record<string, string>).sort(([a], [b]) => Number(a) - Number(b)).map(([, n]) => n)
  return names.map((name) => {
    // A name the switch does not list has no properties (ProtoDef's switch defaults to void).
    const shape = name in properties ? shapeOf(properties[name]) : "none"
    if (shape === undefined) throw new Error(`minecraft-data ${version}: unrecognised properties of ${name}: ${JSON.stringify(properties[name])}`)
    return [name, shape] as const
  })
}

interface Source {
  readonly protocol: number
  readonly version: string
  readonly parsers: ReadonlyArray<readonly [string, Shape]>
}

/** One source per release protocol that has a brigadier graph, oldest first. */
const collectSources = (): ReadonlyArray<Source> => {
  const dataPaths: Record<string, Record<string, string>> = readJson("dataPaths.json").pc
  const releaseNames = new Set(releases.flatMap((r) => r.names))
  const byProtocol = new Map<number, Array<{ version: string; path: string }>>()
  for (const [version, paths] of Object.entries(dataPaths)) {
    if (paths.protocol === undefined || paths.version === undefined) continue
    const protocol: number = readJson(`${paths.version}/version.json`).version
    byProtocol.set(protocol, [...(byProtocol.get(protocol) ?? []), { version, path: paths.protocol }])
  }
  const sources: Array<Source> = []
  for (const release of releases) {
    const candidates = byProtocol.get(release.protocol)
    if (candidates === undefined) continue
    const preferred = candidates.filter((c) => releaseNames.has(c.version))
    const chosen = (preferred.length > 0 ? preferred : candidates)[0]!
    const parsers = parsersOf(readJson(`${chosen.path}/protocol.json`), chosen.version)
    if (parsers !== undefined) sources.push({ protocol: release.protocol, version: chosen.version, parsers })
  }
  return sources
}

/** The full text of `src/protocol/CommandParserData.ts`. */
export const renderCommandParsers = (): string => {
  const sets: Array<string> = []
  const setIndex = new Map<string, number>()
  const rows: Array<string> = []
  for (const source of collectSources()) {
    const body = source.parsers.map(([name, shape]) => `    [${JSON.stringify(name)}, ${JSON.stringify(shape)}]`).join(",\n")
    let index = setIndex.get(body)
    if (index === undefined) {
      index = sets.length
      setIndex.set(body, index)
      sets.push(`  // ${index}: first used by ${source.version} (protocol ${source.protocol})\n  [\n${body}\n  ]`)
    }
    rows.push(`  [${source.protocol}, ${index}], // ${source.version}`)
  }
  const version: string = JSON.parse(Fs.readFileSync(Path.join(DATA_DIR, "../../package.json"), "utf8")).version
  return `/**
 * GENERATED by scripts/generate-command-parsers.ts from minecraft-data ${version}: do not edit,
 * run \`node scripts/generate-command-parsers.ts\` (test/protocol/CommandParsers.test.ts fails
 * when this file is stale).
 *
 * PARSER_SETS holds, per distinct list of argument parsers, each parser's name and the shape of
 * its properties, in id order (1.19+ send the index; older versions send the name);
 * PROTOCOL_PARSER_SETS maps a protocol number to its set.
 */
import type { ParserShape } from "./CommandParsers.ts"

export const PARSER_SETS: ReadonlyArray<ReadonlyArray<readonly [string, ParserShape]>> = [
${sets.join(",\n")}
]

/** [protocol, index into PARSER_SETS], oldest protocol first; the comment names the minecraft-data version. */
export const PROTOCOL_PARSER_SETS: ReadonlyArray<readonly [number, number]> = [
${rows.join("\n")}
]
`
}

if (import.meta.main) {
  Fs.writeFileSync(OUTPUT, renderCommandParsers())
  console.log(`wrote ${Path.relative(process.cwd(), OUTPUT)}`)
}
