/**
 * The client's side of a server switch (reference §2.14 step 6), as plain synchronous steps the
 * session pumps run inside their read callbacks:
 *
 * - 1.20.2+ (`reconfiguring`): the player is sent Start Configuration; everything it sends until
 *   its Acknowledge Configuration belongs to the old server's play state and is dropped; then the
 *   new backend (already in its configuration phase) is relayed both ways (`configuring`),
 *   Finish Configuration included, and the client enters play with the new backend's Join Game,
 *   which resets the world, the tab list and the boss bars itself; the switch is `done` once
 *   that Join Game is on its way.
 * - 1.7–1.20.1 (`joining`): the new backend's packets are dropped until its Join Game, which is
 *   forwarded and followed by a Respawn into its world (before 1.16 first one into another
 *   dimension: an older client ignores a respawn into the dimension it is in), a title reset
 *   (1.8+) and the removal of the old server's boss bars (1.9+), as Velocity does.
 * - Then (`barrier`): the proxy sends a keep-alive of its own. The client answers packets in
 *   order, so everything it sent before that answer was meant for the old server (a keep-alive
 *   answer the new server never asked for would get the player kicked) and is dropped; the
 *   answer itself is dropped too. After it, the switch is `done`.
 */
import { ByteWriter, isEncodedBytes } from "../../protocol/ByteWriter.ts"
import { decodeJoinGame, SpawnGate } from "../../protocol/JoinGame.ts"
import type { PacketTable } from "../../protocol/PacketIds.ts"
import { isProtocolError, malformed, type ProtocolError } from "../../protocol/ProtocolError.ts"
import { encodeRespawn, otherLegacyDimension } from "../../protocol/Respawn.ts"
import type { OutPacket } from "../../protocol/TextPackets.ts"
import type { PacketLeg } from "./PacketLeg.ts"

export type TransitionPhase = "orphaned" | "reconfiguring" | "configuring" | "joining" | "barrier" | "done"

export interface Transition {
  phase: TransitionPhase
  /** The backend the player is moving to (absent while orphaned: its backend is gone, none chosen yet). */
  readonly next: PacketLeg | undefined
  /** The keep-alive payload the player must echo (`barrier`). */
  barrier: Uint8Array | undefined
  /** Called once: true when the phase becomes `done`, false when the switch is abandoned. */
  readonly onDone: (ok: boolean) => void
}

/** The id of the proxy's barrier keep-alive: any value works, the client echoes it as it is. */
const BARRIER_ID = 0x1f2e3d4c
const PROTOCOL_1_8 = 47
const PROTOCOL_1_9 = 107
const PROTOCOL_1_11 = 315
/** 1.12.2: keep-alive ids become i64 (VarInt in 1.8–1.12.1, i32 in 1.7). */
const PROTOCOL_1_12_2 = 340
const PROTOCOL_1_17 = 755

/** The payload of the barrier keep-alive in `protocol`'s layout. */
export const barrierPayload = (protocol: number): Uint8Array => {
  const w = new ByteWriter()
  if (protocol < PROTOCOL_1_8) w.i32(BARRIER_ID)
  else if (protocol < PROTOCOL_1_12_2) w.varInt(BARRIER_ID)
  else w.i64(BigInt(BARRIER_ID))
  const bytes = w.finish()
  return isEncodedBytes(bytes) ? bytes.slice() : new Uint8Array(0)
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i])

/** The player's packet ends the barrier when it is the keep-alive answer to it. */
export const answersBarrier = (t: Transition, id: number, table: PacketTable, payload: () => Uint8Array | ProtocolError): boolean => {
  if (t.barrier === undefined || id !== table.play.serverbound.ids.keep_alive) return false
  const p = payload()
  return !isProtocolError(p) && sameBytes(p, t.barrier)
}

/** Start Configuration (1.20.2+): no payload. */
export const startConfiguration = (table: PacketTable): OutPacket | ProtocolError => {
  const id = table.play.clientbound.ids.start_configuration
  return id === undefined ? malformed("start_configuration", "this version has no configuration phase") : { id, payload: new Uint8Array(0) }
}

/** A title reset: 1.8–1.16 `title` with the reset action (4, then 5 from 1.11), 1.17+ `clear_titles` {reset: true}. */
const titleReset = (protocol: number, table: PacketTable): OutPacket | undefined => {
  if (protocol < PROTOCOL_1_8) return undefined
  const ids = table.play.clientbound.ids
  if (protocol >= PROTOCOL_1_17) return ids.clear_titles === undefined ? undefined : { id: ids.clear_titles, payload: Uint8Array.of(1) }
  const body = new ByteWriter().varInt(protocol >= PROTOCOL_1_11 ? 5 : 4).finish()
  return ids.title === undefined || !isEncodedBytes(body) ? undefined : { id: ids.title, payload: body.slice() }
}

/** Boss bar removals (1.9+; action 1 = remove) for the bars the old server added. */
const bossBarRemovals = (protocol: number, table: PacketTable, bars: Iterable<string>): Array<OutPacket> => {
  const id = table.play.clientbound.ids.boss_bar
  if (protocol < PROTOCOL_1_9 || id === undefined) return []
  const out: Array<OutPacket> = []
  for (const bar of bars) {
    const body = new ByteWriter().uuid(bar).varInt(1).finish()
    if (isEncodedBytes(body)) out.push({ id, payload: body.slice() })
  }
  return out
}

/**
 * What follows the new backend's Join Game (`payload`) to the player before 1.20.2: the
 * respawn(s), the clean-ups, and the barrier keep-alive. An error when the Join Game is unreadable.
 */
export const afterJoinGame = (protocol: number, table: PacketTable, payload: Uint8Array, bossBars: Iterable<string>): Array<OutPacket> | ProtocolError => {
  const spawn = decodeJoinGame(payload, protocol)
  if (isProtocolError(spawn)) return spawn
  const respawnId = table.play.clientbound.ids.respawn
  const keepAliveId = table.play.clientbound.ids.keep_alive
  if (respawnId === undefined || keepAliveId === undefined) return malformed("respawn", "no respawn or keep-alive id")
  const out: Array<OutPacket> = []
  if (protocol < SpawnGate.V1_16 && spawn.dimension._tag === "Legacy") {
    const detour = encodeRespawn(protocol, spawn, { _tag: "Legacy", id: otherLegacyDimension(spawn.dimension.id) })
    if (isProtocolError(detour)) return detour
    out.push({ id: respawnId, payload: detour.slice() })
  }
  const respawn = encodeRespawn(protocol, spawn)
  if (isProtocolError(respawn)) return respawn
  out.push({ id: respawnId, payload: respawn.slice() })
  out.push(...cleanups(protocol, table, bossBars))
  out.push({ id: keepAliveId, payload: barrierPayload(protocol) })
  return out
}

/** What the old server left that the client keeps: its title (1.8+) and, before 1.20.2, its boss bars. */
export const cleanups = (protocol: number, table: PacketTable, bossBars: Iterable<string>): Array<OutPacket> => {
  const reset = titleReset(protocol, table)
  const bars = protocol < SpawnGate.V1_20_2 ? bossBarRemovals(protocol, table, bossBars) : []
  return reset === undefined ? bars : [reset, ...bars]
}
