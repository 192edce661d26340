/**
 * The status exchange with the client (server list): read its status request, answer with
 * the JSON from `StatusService`, then answer its ping with a pong carrying the same payload
 * and close. The client's reads are bounded by {@link STATUS_CLIENT_TIMEOUT}, as in
 * Infrarust ("status request read timed out" / "ping request read timed out").
 */
import { Duration, Effect } from "effect"
import { traced } from "../observability/Tracing.ts"
import type * as Net from "node:net"
import { isEncodedBytes } from "../protocol/ByteWriter.ts"
import { decodeStatusServerbound, encodePongResponse, encodeStatusResponse, MAX_STATUS_SERVERBOUND_FRAME_LENGTH } from "../protocol/Status.ts"
import type { StatusRequest, StatusService } from "../status/StatusService.ts"
import { type Inbound, nextWithin } from "../socket/Inbound.ts"
import { sendAndClose } from "../socket/Kick.ts"

const STATUS_CLIENT_TIMEOUT = Duration.seconds(5)

const MAX_PENDING = 4 * MAX_STATUS_SERVERBOUND_FRAME_LENGTH

const readStatusPacket = (inbound: Inbound, stage: string) =>
  nextWithin(inbound, stage, decodeStatusServerbound, MAX_PENDING, STATUS_CLIENT_TIMEOUT)

/**
 * Encoded responses for the JSON strings seen last. The status cache hands out the same string
 * for every ping it answers from one entry, so a warm cache pings without re-encoding.
 */
const RECENT_RESPONSES = 64
const recentResponses = new Map<string, Uint8Array>()
const responseFrame = (json: string): Uint8Array | undefined => {
  const known = recentResponses.get(json)
  if (known !== undefined) return known
  const encoded = encodeStatusResponse(json)
  if (!isEncodedBytes(encoded)) return undefined
  if (recentResponses.size >= RECENT_RESPONSES) recentResponses.delete(recentResponses.keys().next().value!)
  recentResponses.set(json, encoded)
  return encoded
}

export const serveStatus = Effect.fnUntraced(function*(
  socket: Net.Socket,
  inbound: Inbound,
  request: StatusRequest,
  status: StatusService["Service"],
  /** An answer already at hand (a rate-limited ping gets `respondWithoutBackend`'s). */
  prepared?: string
) {
  const first = yield* readStatusPacket(inbound, "status request")
  if (first._tag === "PingRequest") {
    // Some tools ping without asking for the status first: answer the ping alone.
    return yield* sendAndClose(socket, encodePongResponse(first.payload))
  }
  const json = prepared ?? (yield* status.respond(request))
  const response = responseFrame(json)
  if (response !== undefined) socket.write(response)
  const ping = yield* readStatusPacket(inbound, "ping").pipe(Effect.option)
  const pong = ping._tag === "Some" && ping.value._tag === "PingRequest" ? encodePongResponse(ping.value.payload) : new Uint8Array(0)
  yield* sendAndClose(socket, pong)
}, traced("proxy.status_exchange"))
