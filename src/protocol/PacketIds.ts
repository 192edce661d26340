/**
 * Packet ids per protocol version, state and direction, for the packets the intercepted modes
 * act on (the list and the data are generated: `src/protocol/PacketIdData.ts`).
 *
 * Built for the session loop: fetch a {@link PacketTable} once per session (one lookup in a
 * map, tables are shared by versions with identical ids), keep the direction you read from,
 * and test each frame's id with an array index (`names[id]`) or against ids read once
 * (`ids.keep_alive`). Names are minecraft-data's (`kick_disconnect`, `position_look`, ...).
 */
import { PACKET_ID_SETS, PACKET_NAMES, type PacketIdSet, PROTOCOL_ID_SETS } from "./PacketIdData.ts"

export type PacketState = keyof typeof PACKET_NAMES
export type PacketDirection = "clientbound" | "serverbound"
/** The tracked packet names of one state and direction. */
export type PacketName<S extends PacketState, D extends PacketDirection> = (typeof PACKET_NAMES)[S][D][number]

/** The ids of one state and direction of one version. */
export interface DirectionTable<N extends string> {
  /** Id of each tracked packet this version has (absent: the version has no such packet). */
  readonly ids: Readonly<Partial<Record<N, number>>>
  /** Tracked name by packet id; `undefined` for ids this table does not track. */
  readonly names: ReadonlyArray<N | undefined>
}

export type StateTable<S extends PacketState> = {
  readonly [D in PacketDirection]: DirectionTable<PacketName<S, D>>
}

export type PacketTable = { readonly [S in PacketState]: StateTable<S> }

const STATES = Object.keys(PACKET_NAMES) as ReadonlyArray<PacketState>

/**
 * Length of every `names` array: above every packet id of every version (play clientbound
 * stops near 0x90), so the session loop's `names[id]` stays an in-bounds read of a packed array.
 */
const NAMES_LENGTH = 256

const directionTable = (names: ReadonlyArray<string>, ids: ReadonlyArray<number>): DirectionTable<string> => {
  const byName: Record<string, number> = {}
  const byId = Array.from({ length: NAMES_LENGTH }, (): string | undefined => undefined)
  names.forEach((name, i) => {
    const id = ids[i]!
    if (id < 0) return
    byName[name] = id
    byId[id] = name
  })
  return { ids: byName, names: byId }
}

const buildTable = (set: PacketIdSet): PacketTable => {
  const table: Record<string, Record<PacketDirection, DirectionTable<string>>> = {}
  for (const state of STATES) {
    table[state] = {
      clientbound: directionTable(PACKET_NAMES[state].clientbound, set[state].clientbound),
      serverbound: directionTable(PACKET_NAMES[state].serverbound, set[state].serverbound)
    }
  }
  return table as unknown as PacketTable
}

const sharedTables = PACKET_ID_SETS.map((set) => ({ set, table: undefined as PacketTable | undefined }))
const setByProtocol = new Map(PROTOCOL_ID_SETS)

/**
 * The id table of `protocol`, or `undefined` when the generated data does not describe that
 * version (see `supportedPacketProtocols`). Built on first use, then shared.
 */
export const packetTable = (protocol: number): PacketTable | undefined => {
  const index = setByProtocol.get(protocol)
  if (index === undefined) return undefined
  const entry = sharedTables[index]!
  entry.table ??= buildTable(entry.set)
  return entry.table
}

/** Protocol numbers with a packet table, oldest first. */
export const supportedPacketProtocols: ReadonlyArray<number> = PROTOCOL_ID_SETS.map(([protocol]) => protocol)

/** The id of `name` in `protocol`, or `undefined` (unknown version, or a packet it lacks). */
export const packetId = <S extends PacketState, D extends PacketDirection>(
  protocol: number,
  state: S,
  direction: D,
  name: PacketName<S, D>
): number | undefined => {
  const ids: Partial<Record<string, number>> | undefined = packetTable(protocol)?.[state][direction].ids
  return ids?.[name]
}

/** The tracked name of packet `id` in `protocol`, or `undefined`. */
export const packetName = <S extends PacketState, D extends PacketDirection>(
  protocol: number,
  state: S,
  direction: D,
  id: number
): PacketName<S, D> | undefined => {
  const names = packetTable(protocol)?.[state][direction].names as ReadonlyArray<PacketName<S, D> | undefined> | undefined
  return names?.[id]
}
