/**
 * Generates `src/protocol/PacketIdData.ts`, the packet id table of the intercepted modes, from
 * minecraft-data (a devDependency: the runtime never loads its 433 MB).
 *
 *   npm run generate:packets      (= node scripts/generate-packet-ids.ts)
 *
 * To track another packet, add its minecraft-data name to {@link WANTED} and regenerate; a
 * name a version lacks is simply absent from that version. Versions: every release of
 * `src/protocol/ProtocolVersion.ts` whose protocol number some minecraft-data `pc` version
 * carries (its `version.json`), preferring a release-named entry over a pre-release one (1.9.1
 * exists only as 1.9.1-pre2, same protocol number 108). Versions with identical ids share one
 * id set. `test/protocol/PacketIds.test.ts` regenerates in memory and compares with the
 * committed file, so the two cannot drift.
 */
import * as Fs from "node:fs"
import * as Path from "node:path"
import { releases } from "../src/protocol/ProtocolVersion.ts"

/** `"all"`: every packet of the state in any version. Names are minecraft-data's. */
export const WANTED = {
  login: { clientbound: "all", serverbound: "all" },
  configuration: { clientbound: "all", serverbound: "all" },
  play: {
    clientbound: [
      "kick_disconnect", "keep_alive", "login", "respawn", "start_configuration", "declare_commands",
      "tab_complete", "chat", "system_chat", "player_chat", "profileless_chat", "title", "set_title_text",
      "set_title_subtitle", "set_title_time", "action_bar", "clear_titles", "custom_payload",
      "game_state_change", "position", "map_chunk", "spawn_position", "abilities", "update_time",
      "player_info", "playerlist_header", "boss_bar"
    ],
    serverbound: [
      "chat", "chat_message", "chat_command", "chat_command_signed", "chat_session_update", "message_acknowledgement", "tab_complete",
      "keep_alive", "configuration_acknowledged", "custom_payload", "teleport_confirm", "settings",
      "position", "position_look", "look", "flying"
    ]
  }
} as const

const STATES = ["login", "configuration", "play"] as const
const DIRECTIONS = [["clientbound", "toClient"], ["serverbound", "toServer"]] as const

type State = (typeof STATES)[number]
type Direction = (typeof DIRECTIONS)[number][0]
/** name → id for one state and direction of one version. */
type Mapping = ReadonlyMap<string, number>
type VersionMappings = Record<State, Record<Direction, Mapping>>

const DATA_DIR = Path.join(import.meta.dirname, "../node_modules/minecraft-data/minecraft-data/data")
export const OUTPUT = Path.join(import.meta.dirname, "../src/protocol/PacketIdData.ts")

const readJson = (relative: string): any => JSON.parse(Fs.readFileSync(Path.join(DATA_DIR, relative), "utf8"))

/** The `mapper` of the `packet` container: `{"0x00": "name", ...}`. */
const mappingOf = (protocol: any, state: State, dir: "toClient" | "toServer"): Mapping => {
  const packet = protocol[state]?.[dir]?.types?.packet
  if (packet === undefined) return new Map()
  const nameField = (packet[1] as Array<any>).find((f) => f.name === "name")
  const mappings: Record<string, string> = nameField.type[1].mappings
  return new Map(Object.entries(mappings).map(([id, name]) => [name, Number.parseInt(id, 16)]))
}

interface Source {
  readonly protocol: number
  /** minecraft-data version name the ids come from. */
  readonly version: string
  readonly mappings: VersionMappings
}

/** One source per described release protocol, oldest first. */
export const collectSources = (): ReadonlyArray<Source> => {
  const dataPaths: Record<string, Record<string, string>> = readJson("dataPaths.json").pc
  const releaseNames = new Set(releases.flatMap((r) => r.names))
  const byProtocol = new Map<number, Array<{ version: string; path: string }>>()
  for (const [version, paths] of Object.entries(dataPaths)) {
    if (paths.protocol === undefined || paths.version === undefined) continue
    const protocol: number = readJson(`${paths.version}/version.json`).version
    const list = byProtocol.get(protocol) ?? []
    list.push({ version, path: paths.protocol })
    byProtocol.set(protocol, list)
  }
  const sources: Array<Source> = []
  for (const release of releases) {
    const candidates = byProtocol.get(release.protocol)
    if (candidates === undefined) continue
    const preferred = candidates.filter((c) => releaseNames.has(c.version))
    const chosen = (preferred.length > 0 ? preferred : candidates)
    const parsed = chosen.map((c) => ({ version: c.version, mappings: mappingsOf(readJson(`${c.path}/protocol.json`)) }))
    const first = parsed[0]!
    for (const other of parsed.slice(1)) {
      if (render1(other.mappings) !== render1(first.mappings)) {
        throw new Error(`minecraft-data ${first.version} and ${other.version} disagree on protocol ${release.protocol}`)
      }
    }
    sources.push({ protocol: release.protocol, version: first.version, mappings: first.mappings })
  }
  return sources
}

const mappingsOf = (protocol: any): VersionMappings => {
  const out = {} as Record<State, Record<Direction, Mapping>>
  for (const state of STATES) {
    out[state] = { clientbound: mappingOf(protocol, state, "toClient"), serverbound: mappingOf(protocol, state, "toServer") }
  }
  return out
}

/** A comparable rendering of a version's full mappings (used only to compare two sources). */
const render1 = (m: VersionMappings): string =>
  JSON.stringify(STATES.map((s) => DIRECTIONS.map(([d]) => [...m[s][d]].sort())))

/** The tracked names per state and direction: the WANTED list, or every name seen (sorted). */
const trackedNames = (sources: ReadonlyArray<Source>): Record<State, Record<Direction, ReadonlyArray<string>>> => {
  const out = {} as Record<State, Record<Direction, ReadonlyArray<string>>>
  for (const state of STATES) {
    const dirs = {} as Record<Direction, ReadonlyArray<string>>
    for (const [direction] of DIRECTIONS) {
      const wanted: "all" | ReadonlyArray<string> = WANTED[state][direction]
      if (wanted === "all") {
        dirs[direction] = [...new Set(sources.flatMap((s) => [...s.mappings[state][direction].keys()]))].sort()
      } else {
        const unknown = wanted.filter((n) => !sources.some((s) => s.mappings[state][direction].has(n)))
        if (unknown.length > 0) throw new Error(`no version has ${state} ${direction} ${unknown.join(", ")}`)
        dirs[direction] = wanted
      }
    }
    out[state] = dirs
  }
  return out
}

/** The full text of `src/protocol/PacketIdData.ts`. */
export const renderPacketIds = (): string => {
  const sources = collectSources()
  const names = trackedNames(sources)
  const sets: Array<string> = []
  const setIndex = new Map<string, number>()
  const rows: Array<string> = []
  for (const source of sources) {
    const set = STATES.map((state) => {
      const dirs = DIRECTIONS.map(([d]) => `${d}: [${names[state][d].map((n) => source.mappings[state][d].get(n) ?? -1).join(", ")}]`)
      return `    ${state}: { ${dirs.join(", ")} }`
    }).join(",\n")
    let index = setIndex.get(set)
    if (index === undefined) {
      index = sets.length
      setIndex.set(set, index)
      sets.push(`  // ${index}: first used by ${source.version} (protocol ${source.protocol})\n  {\n${set}\n  }`)
    }
    rows.push(`  [${source.protocol}, ${index}], // ${source.version}`)
  }
  const nameBlock = STATES.map((state) => {
    const dirs = DIRECTIONS.map(([d]) => `    ${d}: [${names[state][d].map((n) => JSON.stringify(n)).join(", ")}]`)
    return `  ${state}: {\n${dirs.join(",\n")}\n  }`
  }).join(",\n")
  const version: string = JSON.parse(
    Fs.readFileSync(Path.join(DATA_DIR, "../../package.json"), "utf8")
  ).version
  return `/**
 * GENERATED by scripts/generate-packet-ids.ts from minecraft-data ${version}: do not edit, run
 * \`npm run generate:packets\` (test/protocol/PacketIds.test.ts fails when this file is stale).
 *
 * PACKET_NAMES lists the tracked packets per state and direction (minecraft-data names);
 * PACKET_ID_SETS holds, per distinct set of ids, the id of each tracked name in the same order
 * (-1: that version has no such packet); PROTOCOL_ID_SETS maps a protocol number to its set.
 */

export const PACKET_NAMES = {
${nameBlock}
} as const

export interface PacketIdSet {
  readonly login: { readonly clientbound: ReadonlyArray<number>; readonly serverbound: ReadonlyArray<number> }
  readonly configuration: { readonly clientbound: ReadonlyArray<number>; readonly serverbound: ReadonlyArray<number> }
  readonly play: { readonly clientbound: ReadonlyArray<number>; readonly serverbound: ReadonlyArray<number> }
}

export const PACKET_ID_SETS: ReadonlyArray<PacketIdSet> = [
${sets.join(",\n")}
]

/** [protocol, index into PACKET_ID_SETS], oldest protocol first; the comment names the minecraft-data version. */
export const PROTOCOL_ID_SETS: ReadonlyArray<readonly [number, number]> = [
${rows.join("\n")}
]
`
}

if (import.meta.main) {
  Fs.writeFileSync(OUTPUT, renderPacketIds())
  console.log(`wrote ${Path.relative(process.cwd(), OUTPUT)}`)
}
