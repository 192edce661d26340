/**
 * The bytes of a status reply, shared by the status stage (StatusStage.ts) and the arrival gate's
 * answer (GateAnswer.ts): the Status Response frame of a JSON string, and the pong of a ping
 * the client already sent.
 */
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { decodeStatusServerbound, encodePongResponse, encodeStatusResponse, PING_REQUEST_PACKET_ID } from "../protocol/Status.ts"

/**
 * Encoded responses for the JSON strings seen last. The status cache hands out the same string
 * for every ping it answers from one entry, so a warm cache pings without re-encoding.
 */
const RECENT_RESPONSES = 64
const recentResponses = new Map<string, Uint8Array>()

/** The Status Response frame of `json`; undefined when it cannot be encoded (too long). */
export const responseFrame = (json: string): Uint8Array | undefined => {
  const known = recentResponses.get(json)
  if (known !== undefined) return known
  const encoded = encodeStatusResponse(json)
  if (!isEncodedBytes(encoded)) return undefined
  if (recentResponses.size >= RECENT_RESPONSES) recentResponses.delete(recentResponses.keys().next().value!)
  recentResponses.set(json, encoded)
  return encoded
}

/** Length prefix (9), packet id, 8-byte payload. */
const PING_FRAME_LENGTH = 10

export interface PongAtHand {
  readonly pong: Uint8Array
  /** The bytes the ping took. */
  readonly taken: number
}

/** The pong for a ping at the start of `bytes`; undefined when none is complete yet (or it is not a ping). */
export const pongAtStart = (bytes: Uint8Array): PongAtHand | undefined => {
  // The usual 10-byte frame: Ping Request and Pong Response share id and layout, so the pong is
  // the ping's own bytes (nothing decoded or encoded). Anything else is decoded and re-encoded.
  if (bytes.length >= PING_FRAME_LENGTH && bytes[0] === PING_FRAME_LENGTH - 1 && bytes[1] === PING_REQUEST_PACKET_ID) {
    return { pong: bytes.subarray(0, PING_FRAME_LENGTH), taken: PING_FRAME_LENGTH }
  }
  const r = decodeStatusServerbound(bytes, 0)
  if (r._tag !== "Done" || r.value._tag !== "PingRequest") return undefined
  return { pong: encodePongResponse(r.value.payload), taken: r.offset }
}
