/**
 * The commands of one intercepted session, in its packets (reference §2.13): what the session
 * loop asks when the player sends a command or a tab-complete request, and when the backend
 * sends its Declare Commands graph. It speaks the player's protocol version; the decisions are
 * the `Commands` service's (in this process, or in the coordinator with worker threads).
 *
 * Whatever the proxy cannot read or has no part in crosses as it came: an unreadable request is
 * the backend's to answer, a graph the proxy cannot walk (an unknown parser, a modded server)
 * reaches the player unchanged.
 */
import { Effect } from "effect"
import { acknowledgementOf, type CommandPacket } from "../protocol/CommandAcknowledgement.ts"
import { decodeCommandGraph, encodeCommandGraph } from "../protocol/CommandGraph.ts"
import { packetId } from "../protocol/PacketIds.ts"
import { isProtocolError } from "../protocol/ProtocolError.ts"
import { PROTOCOL_1_13 } from "../protocol/ProtocolVersion.ts"
import { decodeTabRequest, encodeTabAnswer } from "../protocol/TabComplete.ts"
import type { OutPacket } from "../protocol/TextPackets.ts"
import type { Caller, Commands } from "./Commands.ts"
import { announceCommands } from "./CommandTree.ts"

export interface SessionCommands {
  /**
   * A command the player sent (`line` without its slash): `undefined` when it is the backend's,
   * else what the backend must get instead (an acknowledgement of the chat messages the command
   * acknowledged, or nothing).
   */
  readonly command: (packet: CommandPacket, payload: Uint8Array, line: string) => Effect.Effect<ReadonlyArray<OutPacket> | undefined>
  /** A tab-complete request: the answer for the player, or `undefined` to forward it to the backend. */
  readonly tabComplete: (payload: Uint8Array) => Effect.Effect<OutPacket | undefined>
  /** A Declare Commands payload from the backend: the one the player gets. */
  readonly declareCommands: (payload: Uint8Array) => Effect.Effect<Uint8Array>
}

export const sessionCommands = (commands: Commands["Service"], caller: Caller, protocol: number): SessionCommands => {
  const answerId = packetId(protocol, "play", "clientbound", "tab_complete")
  const ackId = packetId(protocol, "play", "serverbound", "message_acknowledgement")

  const command = (packet: CommandPacket, payload: Uint8Array, line: string) =>
    Effect.gen(function*() {
      if (!(yield* commands.run(caller, line))) return undefined
      const ack = acknowledgementOf(protocol, packet, payload)
      if (isProtocolError(ack)) yield* Effect.logDebug(`a consumed command's acknowledgement is unreadable: ${ack.message}`)
      return ack instanceof Uint8Array && ackId !== undefined ? [{ id: ackId, payload: ack }] : []
    })

  const tabComplete = (payload: Uint8Array) =>
    Effect.gen(function*() {
      const request = decodeTabRequest(protocol, payload)
      if (isProtocolError(request) || !request.text.startsWith("/") || answerId === undefined) return undefined
      const completion = yield* commands.complete(caller, request.text.slice(1))
      if (completion === undefined) return undefined
      // The line's words start after the slash; 1.13+ answers say which span of the text they replace.
      const start = completion.start + 1
      const answer = encodeTabAnswer(protocol, {
        transactionId: request.transactionId,
        start,
        length: request.text.length - start,
        matches: completion.matches
      })
      return isProtocolError(answer) ? undefined : { id: answerId, payload: answer }
    })

  const declareCommands = (payload: Uint8Array) =>
    Effect.gen(function*() {
      const announcement = yield* commands.announcement(caller)
      if (announcement === undefined || protocol < PROTOCOL_1_13) return payload
      const graph = decodeCommandGraph(protocol, payload)
      if (isProtocolError(graph)) {
        yield* Effect.logDebug(`the backend's command graph is left as sent: ${graph.message}`)
        return payload
      }
      const announced = announceCommands(protocol, graph, announcement)
      const encoded = announced === undefined ? payload : encodeCommandGraph(protocol, announced)
      return isProtocolError(encoded) ? payload : encoded
    })

  return { command, tabComplete, declareCommands }
}
